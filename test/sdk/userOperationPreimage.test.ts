// The user-operation preimage (kind 5) without a chain: it round-trips through a session's params,
// refuses bytes that are not its canonical encoding, shows only what the account will run (a
// callData with trailing bytes is shown as unknown), and is domain-separated from intents (W2). Its
// digests against a real EntryPoint and account are checked in test/cli/account4337.test.ts.
import { expect } from "chai";
import { concatHex, encodeFunctionData, getAddress, type Hex, pad, parseEther, toHex } from "viem";
import { intentDigest } from "../../src/sdk/accountIntent.js";
import { thresholdAccountAbi } from "../../src/sdk/generated/thresholdAccountAbi.js";
import {
  decodeMessagePreimage,
  describeMessage,
  encodeMessagePreimage,
  messagePreimageProblem,
} from "../../src/sdk/messagePreimage.js";
import {
  type AccountUserOperation,
  userOperationDigest,
  userOperationHash,
} from "../../src/sdk/userOperationPreimage.js";

const account = getAddress("0x0131000000000000000000000000000000002bd6");
const recipient = getAddress("0x000000000000000000000000000000000000c0de");
const calls = [{ target: recipient, value: parseEther("0.25"), data: "0x" as Hex }];
const callData = encodeFunctionData({
  abi: thresholdAccountAbi,
  functionName: "executeFromEntryPoint",
  args: [calls],
});
const op: AccountUserOperation = {
  entryPoint: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3"),
  chainId: 31337n,
  sender: account,
  nonce: 0n,
  initCode: "0x",
  callData,
  accountGasLimits: pad(toHex((150_000n << 128n) | 100_000n)),
  preVerificationGas: 50_000n,
  gasFees: pad(toHex((1_000_000_000n << 128n) | 3_000_000_000n)),
  paymasterAndData: "0x",
};

describe("user operation preimage (kind 5)", () => {
  it("round-trips through params and is shown as a person reads it", () => {
    const params = encodeMessagePreimage({ kind: "userop", userOperation: op });
    expect(decodeMessagePreimage(params)).to.deep.equal({ kind: "userop", userOperation: op });
    expect(describeMessage(userOperationDigest(op), params)).to.deep.equal([
      `a user operation of threshold account ${account} on chain 31337, for EntryPoint ${op.entryPoint}`,
      "EntryPoint nonce key 0, sequence 0",
      "gas: verification 150000, call 100000, pre-verification 50000; up to 3000000000 wei per gas (priority 1000000000): the account pays at most 0.0009 ETH",
      `call 1 of 1: pay 0.25 ETH to ${recipient}`,
    ]);
  });

  it("refuses a body that is not the canonical encoding, and a message that is not its digest", () => {
    const params = encodeMessagePreimage({ kind: "userop", userOperation: op });
    expect(() => decodeMessagePreimage(concatHex([params, "0x00"]))).to.throw(
      "the user operation it carries cannot be read",
    );
    const other = userOperationDigest({ ...op, nonce: 1n });
    expect(messagePreimageProblem(other, params)).to.contain(
      `its message ${other} is not the digest of the userop it carries`,
    );
    expect(messagePreimageProblem(userOperationDigest(op), params)).to.equal(undefined);
  });

  it("shows a callData with trailing bytes as unknown, and names a paymaster and an initCode", () => {
    const padded = { ...op, callData: concatHex([callData, "0xdead"]) };
    const paymaster = getAddress("0x00000000000000000000000000000000000000aa");
    const lines = describeMessage(
      userOperationDigest(padded),
      encodeMessagePreimage({
        kind: "userop",
        userOperation: {
          ...padded,
          paymasterAndData: concatHex([paymaster, "0x1234"]),
          initCode: "0xabcd",
        },
      }),
    );
    expect(lines.some((line) => line.startsWith("call 1 of"))).to.equal(false);
    expect(lines).to.include(
      `callData: function ${callData.slice(0, 10)} of the account (unknown ABI) with ${(padded.callData.length - 2) / 2} bytes of data`,
    );
    expect(lines).to.include(`paymaster ${paymaster} with 22 bytes of paymaster data`);
    expect(lines).to.include("first deploys the account: initCode of 2 bytes");
    expect(lines[2]).to.match(/unless the paymaster does$/);
  });

  it("is domain-separated (W2): another chain, EntryPoint or account changes both hashes; no intent digest equals it", () => {
    const digest = userOperationDigest(op);
    for (const changed of [
      { ...op, chainId: 1n },
      { ...op, entryPoint: recipient },
      { ...op, sender: recipient },
    ]) {
      expect(userOperationDigest(changed)).to.not.equal(digest);
    }
    expect(userOperationHash({ ...op, sender: recipient })).to.not.equal(userOperationHash(op));
    // The same account, chain and calls as an intent: another digest.
    expect(
      intentDigest({ account, chainId: op.chainId, nonce: 0n, deadline: 2n ** 40n, calls }),
    ).to.not.equal(digest);
  });
});
