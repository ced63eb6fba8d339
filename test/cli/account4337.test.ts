// The threshold account as an ERC-4337 (v0.8) account on a local chain (hardhat node, through
// startTestChain, which deploys the EntryPoint from @account-abstraction/contracts' artifact beside
// Roundtable and records it): a 2-of-3 Taproot key generation through the CLI, the account created by
// a stranger and funded, a user operation paying 0.25 ETH whose hash the group signs in a real FROST
// signing session through two runners, submitted by a plain account (the "bundler") to handleOps;
// the payment is made, the missing funds prefunded from the account, the EntryPoint nonce advances,
// and a replay, or a signature that is not the group's, is refused by the EntryPoint.
//
// Sign what you see: the signing session carries the user operation (preimage kind 5), which each
// runner shows (account, EntryPoint, nonce, gas, each call) and whose digest it recomputes; a session
// whose message is not that digest is refused.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { schnorr } from "@noble/curves/secp256k1.js";
import { expect } from "chai";
import {
  type Address,
  type BaseError,
  ContractFunctionRevertedError,
  createWalletClient,
  encodeFunctionData,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBytes,
  http,
  parseEther,
  parseEventLogs,
} from "viem";
import {
  entryPoint08Abi,
  entryPoint08Address,
  getUserOperationHash,
  type PackedUserOperation,
  toPackedUserOperation,
} from "viem/account-abstraction";
import { privateKeyToAccount } from "viem/accounts";
import { readDeploymentRecord } from "../../src/cli/deploymentRecord.js";
import { CANONICAL_ENTRY_POINT_V08 } from "../../src/cli/erc4337EntryPoint.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { thresholdAccountAbi } from "../../src/sdk/generated/thresholdAccountAbi.js";
import {
  describeMessage,
  encodeMessagePreimage,
  messagePreimageProblem,
} from "../../src/sdk/messagePreimage.js";
import { signingConfig } from "../../src/sdk/protocolIds.js";
import {
  type AccountUserOperation,
  userOperationDigest,
  userOperationHash,
} from "../../src/sdk/userOperationPreimage.js";
import {
  type CliRun,
  createKeygenViaCli,
  expectExit,
  jsonOf,
  keyFlags,
  runCli,
  startTestChain,
  type TestAccount,
  type TestChain,
  tempDir,
  testAccount,
} from "./helpers.js";

/** Gas of a transaction's calldata (EIP-2028). */
const calldataGas = (data: Hex): bigint =>
  hexToBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);

describe("roundtable account as an ERC-4337 account (EntryPoint v0.8, handleOps)", () => {
  let chain: TestChain;
  let directory: string;
  let storePasswordFile: string;
  let initiator: TestAccount;
  let bundler: TestAccount;
  let parties: TestAccount[];
  let keySession: string;
  const recipient = getAddress("0x000000000000000000000000000000000000c0de");
  const beneficiary = getAddress("0x000000000000000000000000000000000000bee1");

  function runParty(account: TestAccount, sessionId: string, ...extra: string[]): Promise<CliRun> {
    return runCli(
      [
        "party",
        "run",
        "--session",
        sessionId,
        ...keyFlags(account),
        "--store",
        join(directory, `store-${account.address}`),
        "--store-password-file",
        storePasswordFile,
        ...extra,
      ],
      chain.env,
    );
  }

  before(async () => {
    directory = await tempDir("account4337");
    storePasswordFile = join(directory, "store.pw");
    await writeFile(storePasswordFile, "store password\n", { mode: 0o600 });
    initiator = await testAccount(directory, "initiator");
    bundler = await testAccount(directory, "bundler");
    parties = await Promise.all(["a", "b", "c"].map((label) => testAccount(directory, label)));
    chain = await startTestChain([initiator, bundler, ...parties].map((a) => a.address));
    const keygen = await createKeygenViaCli(chain.env, initiator, parties);
    keySession = keygen.sessionId;
    const runs = await Promise.all(
      parties.map((party) =>
        runParty(party, keySession, "--yes", "--expect-session", keygen.fingerprint),
      ),
    );
    for (const run of runs) expectExit(run, 0);
  });

  after(async () => {
    await chain?.stop();
  });

  it("the group signs a user operation in a FROST session; handleOps runs it once", async () => {
    // The EntryPoint: deployed from the package's artifact (a local chain has no canonical one), and
    // recorded beside the factory, whose accounts serve it.
    expect(CANONICAL_ENTRY_POINT_V08).to.equal(entryPoint08Address);
    const record = await readDeploymentRecord(chain.deploymentsDir, chain.chainId);
    const entryPoint = record?.entryPoint as Address;
    expect(entryPoint, JSON.stringify(record)).to.be.a("string");
    expect(entryPoint).to.not.equal(CANONICAL_ENTRY_POINT_V08);
    const code = await chain.publicClient.getCode({ address: entryPoint });
    expect(code?.length ?? 0).to.be.greaterThan(2);

    const created = await runCli(
      ["account", "create", "--key-session", keySession, ...keyFlags(bundler), "--json"],
      chain.env,
    );
    expectExit(created, 0);
    const account = jsonOf(created).account as Address;
    const read = <T>(functionName: string, args: unknown[] = []) =>
      chain.publicClient.readContract({
        address: account,
        abi: thresholdAccountAbi,
        functionName: functionName as never,
        args: args as never,
      }) as Promise<T>;
    expect(getAddress(await read<Address>("ENTRY_POINT"))).to.equal(getAddress(entryPoint));

    const funder = createWalletClient({
      account: privateKeyToAccount(bundler.privateKey),
      transport: http(chain.rpcUrl),
    });
    await chain.publicClient.waitForTransactionReceipt({
      hash: await funder.sendTransaction({ to: account, value: parseEther("1"), chain: null }),
    });

    // The user operation: the account pays 0.25 ETH through executeFromEntryPoint. Nothing is
    // deposited for it, so validateUserOp must pay the EntryPoint its prefund.
    const nonce = await chain.publicClient.readContract({
      address: entryPoint,
      abi: entryPoint08Abi,
      functionName: "getNonce",
      args: [account, 0n],
    });
    expect(nonce).to.equal(0n);
    const block = await chain.publicClient.getBlock();
    const maxPriorityFeePerGas = 1_000_000_000n;
    const userOperation = {
      sender: account,
      nonce,
      callData: encodeFunctionData({
        abi: thresholdAccountAbi,
        functionName: "executeFromEntryPoint",
        args: [[{ target: recipient, value: parseEther("0.25"), data: "0x" }]],
      }),
      callGasLimit: 100_000n,
      verificationGasLimit: 150_000n,
      preVerificationGas: 50_000n,
      maxFeePerGas: (block.baseFeePerGas ?? 0n) * 2n + maxPriorityFeePerGas,
      maxPriorityFeePerGas,
      signature: "0x" as Hex,
    };
    const userOpHash = getUserOperationHash({
      chainId: chain.chainId,
      entryPointAddress: entryPoint,
      entryPointVersion: "0.8",
      userOperation,
    });
    const unsigned = toPackedUserOperation(userOperation);
    expect(
      await chain.publicClient.readContract({
        address: entryPoint,
        abi: entryPoint08Abi,
        functionName: "getUserOpHash",
        args: [unsigned],
      }),
    ).to.equal(userOpHash);
    // The account's wrapper, from viem's typed-data hashing rather than the contract.
    const digest = hashTypedData({
      domain: {
        name: "Roundtable Threshold Account",
        version: "1",
        chainId: chain.chainId,
        verifyingContract: account,
      },
      types: { UserOperation: [{ name: "userOpHash", type: "bytes32" }] },
      primaryType: "UserOperation",
      message: { userOpHash },
    });
    expect(await read<Hex>("userOperationDigest", [userOpHash])).to.equal(digest);

    // The preimage the signing session carries: the SDK's hashes agree with the EntryPoint's and
    // the account's, and a message that is not its digest is named as such.
    const userOp: AccountUserOperation = {
      entryPoint,
      chainId: BigInt(chain.chainId),
      sender: account,
      nonce: unsigned.nonce,
      initCode: unsigned.initCode,
      callData: unsigned.callData,
      accountGasLimits: unsigned.accountGasLimits,
      preVerificationGas: unsigned.preVerificationGas,
      gasFees: unsigned.gasFees,
      paymasterAndData: unsigned.paymasterAndData,
    };
    expect(userOperationHash(userOp)).to.equal(userOpHash);
    expect(userOperationDigest(userOp)).to.equal(digest);
    const params = encodeMessagePreimage({ kind: "userop", userOperation: userOp });
    expect(messagePreimageProblem(digest, params)).to.equal(undefined);
    expect(messagePreimageProblem(userOpHash, params)).to.contain(
      `its message ${userOpHash} is not the digest of the userop it carries (that is ${digest})`,
    );
    const shown = describeMessage(digest, params);
    expect(shown[0]).to.equal(
      `a user operation of threshold account ${account} on chain ${chain.chainId}, for EntryPoint ${entryPoint}`,
    );

    // A real FROST signing session of it, through two of the three parties' runners.
    const signers = [parties[0]!, parties[2]!];
    const initiatorWallet = createWalletClient({
      account: privateKeyToAccount(initiator.privateKey),
      transport: http(chain.rpcUrl),
    });
    const signing = await createSession({
      publicClient: chain.publicClient,
      walletClient: initiatorWallet,
      address: chain.contract,
      config: signingConfig({
        keySession: BigInt(keySession),
        signers: signers.map((p) => p.address).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
        threshold: 2,
        preimage: { kind: "userop", userOperation: userOp },
      }),
    });
    expect(signing.configHash).to.be.a("string");
    const runs = await Promise.all(
      signers.map((signer) =>
        runParty(
          signer,
          String(signing.sessionId),
          "--yes",
          "--expect-config-hash",
          signing.configHash,
          "--json",
        ),
      ),
    );
    for (const run of runs) {
      expectExit(run, 0);
      // Each runner showed the operation as a person reads it before it signed.
      expect(run.stderr).to.contain(shown[0]);
      expect(run.stderr).to.contain("EntryPoint nonce key 0, sequence 0");
      expect(run.stderr).to.contain(`call 1 of 1: pay 0.25 ETH to ${recipient}`);
    }
    const signature = jsonOf(runs[0]!).signature as Hex;
    const groupKey = (await read<bigint>("GROUP_KEY")).toString(16).padStart(64, "0");
    expect(
      schnorr.verify(hexToBytes(signature), hexToBytes(digest), hexToBytes(`0x${groupKey}`)),
    ).to.equal(true);

    const handleOps = (ops: PackedUserOperation[]) =>
      encodeFunctionData({
        abi: entryPoint08Abi,
        functionName: "handleOps",
        args: [ops, beneficiary],
      });
    const bundlerWallet = createWalletClient({
      account: privateKeyToAccount(bundler.privateKey),
      transport: http(chain.rpcUrl),
    });
    /** What handleOps of `ops` reverts with, simulated from the bundler (undefined if it does not). */
    const refusal = async (ops: PackedUserOperation[]) => {
      try {
        await chain.publicClient.simulateContract({
          address: entryPoint,
          abi: entryPoint08Abi,
          functionName: "handleOps",
          args: [ops, beneficiary],
          account: bundlerWallet.account,
        });
        return undefined;
      } catch (error) {
        const revert = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError);
        expect(revert, String(error)).to.be.instanceOf(ContractFunctionRevertedError);
        return (revert as ContractFunctionRevertedError).data;
      }
    };

    // A signature that is not the group's over this operation: validateUserOp returns 1, and the
    // EntryPoint refuses with AA24 (not a revert inside the account).
    const forged = `${signature.slice(0, -2)}${signature.endsWith("00") ? "01" : "00"}` as Hex;
    const forgedRefusal = await refusal([{ ...unsigned, signature: forged }]);
    expect(forgedRefusal?.errorName).to.equal("FailedOp");
    expect(forgedRefusal?.args).to.deep.equal([0n, "AA24 signature error"]);

    const signed = { ...unsigned, signature };
    const accountBefore = await chain.publicClient.getBalance({ address: account });
    const data = handleOps([signed]);
    const hash = await bundlerWallet.sendTransaction({ to: entryPoint, data, chain: null });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    const [event] = parseEventLogs({
      abi: entryPoint08Abi,
      eventName: "UserOperationEvent",
      logs: receipt.logs,
    });
    expect(event?.args).to.include({ userOpHash, sender: account, nonce: 0n, success: true });
    expect(await chain.publicClient.getBalance({ address: recipient })).to.equal(
      parseEther("0.25"),
    );
    const deposit = await chain.publicClient.readContract({
      address: entryPoint,
      abi: entryPoint08Abi,
      functionName: "balanceOf",
      args: [account],
    });
    // The account prefunded the EntryPoint (missingAccountFunds) out of its own balance; what the
    // operation did not use stays as its deposit.
    const prefund = 300_000n * userOperation.maxFeePerGas;
    expect(await chain.publicClient.getBalance({ address: account })).to.equal(
      accountBefore - parseEther("0.25") - prefund,
    );
    expect(deposit).to.equal(prefund - event!.args.actualGasCost);
    expect(
      await chain.publicClient.readContract({
        address: entryPoint,
        abi: entryPoint08Abi,
        functionName: "getNonce",
        args: [account, 0n],
      }),
    ).to.equal(1n);
    expect(await read<bigint>("nonce")).to.equal(0n);

    // The same operation again: the EntryPoint's nonce refuses it (AA25); nothing more is paid.
    const replay = await refusal([signed]);
    expect(replay?.errorName).to.equal("FailedOp");
    expect(replay?.args).to.deep.equal([0n, "AA25 invalid account nonce"]);
    expect(await chain.publicClient.getBalance({ address: recipient })).to.equal(
      parseEther("0.25"),
    );

    // Gas: the operation's actualGasUsed, handleOps' receipt, and validateUserOp alone as the
    // EntryPoint calls it (estimated as a call from the EntryPoint, less the base and calldata).
    const validateData = encodeFunctionData({
      abi: thresholdAccountAbi,
      functionName: "validateUserOp",
      args: [{ ...signed, nonce: 1n }, userOpHash, 0n],
    });
    const validateGas =
      (await chain.publicClient.estimateGas({
        account: entryPoint,
        to: account,
        data: validateData,
      })) -
      21_000n -
      calldataGas(validateData);
    console.log(
      `      handleOps, one user operation paying 0.25 ETH: ${receipt.gasUsed} gas (receipt); actualGasUsed ${event!.args.actualGasUsed}`,
    );
    console.log(
      `      validateUserOp (wrap + BIP-340 check + decoding, nothing missing): about ${validateGas} gas (estimateGas from the EntryPoint, without base and calldata)`,
    );
    expect(validateGas < 20_000n, `${validateGas}`).to.equal(true);
    expect(event!.args.actualGasUsed < 300_000n).to.equal(true);
  });
});
