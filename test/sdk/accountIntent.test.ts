// Threshold-account intents as signing-session preimages (issue 15, kind 4): the digest viem
// computes is the deployed contract's intentDigest on a real chain (Hardhat's in-process one), the
// preimage round-trips and is shown call by call, a mismatch or an oversized intent is refused,
// and intents and texts never share a digest (threat W2).
import { sha256 } from "@noble/hashes/sha2.js";
import { expect } from "chai";
import { network } from "hardhat";
import {
  type Address,
  bytesToHex,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
  parseEther,
  stringToHex,
  toHex,
  zeroAddress,
} from "viem";
import {
  type AccountIntent,
  encodeIntentBody,
  hashCalls,
  intentDigest,
} from "../../src/sdk/accountIntent.js";
import { thresholdAccountAbi } from "../../src/sdk/generated/thresholdAccountAbi.js";
import { thresholdAccountFactoryAbi } from "../../src/sdk/generated/thresholdAccountFactoryAbi.js";
import {
  decodeMessagePreimage,
  describeMessage,
  encodeMessagePreimage,
  MAX_PREIMAGE_BYTES,
  MessagePreimageError,
  messageDigest,
  messagePreimageProblem,
} from "../../src/sdk/messagePreimage.js";
import { signingConfig } from "../../src/sdk/protocolIds.js";
import { sessionConfigProblem } from "../../src/sdk/sessionConfigProblem.js";
import { eoaParties } from "../helpers/accounts.js";
import { keyGenerationConfig } from "../helpers/configs.js";
import { bytesOf, keyGenerationSizes } from "../helpers/payloads.js";
import {
  acceptDirect,
  addressesOf,
  createSession,
  deployRoundtable,
  fund,
  mined,
  submitDirect,
} from "../helpers/roundtable.js";

const addressOf = (label: string): Address =>
  getAddress(bytesToHex(hexToBytes(keccak256(toHex(label))).slice(12)));
const account = addressOf("account");
const recipient = addressOf("recipient");
const token = addressOf("token");
const signers = [zeroAddress, "0x0000000000000000000000000000000000000001"] as const;

const transferIntent = (overrides: Partial<AccountIntent> = {}): AccountIntent => ({
  account,
  chainId: 31337n,
  nonce: 0n,
  deadline: 1_900_000_000n,
  calls: [{ target: recipient, value: parseEther("0.25"), data: "0x" }],
  ...overrides,
});

const utf8 = (text: string) => new TextEncoder().encode(text);
const textTagged = (bytes: Uint8Array): Hex => {
  const tag = sha256(utf8("Roundtable/text/v1"));
  return bytesToHex(sha256(new Uint8Array([...tag, ...tag, ...bytes])));
};

describe("account intent preimage (kind 4)", () => {
  it("round-trips through params and is shown as a person reads it: account, chain, nonce, UTC deadline, each call", () => {
    const transfer = encodeFunctionData({
      abi: erc20Abi,
      functionName: "transfer",
      args: [recipient, 1000n],
    });
    const approve = encodeFunctionData({
      abi: erc20Abi,
      functionName: "approve",
      args: [recipient, 7n],
    });
    // Two intents: ABI encoding takes about 200 bytes a call, and params hold 1024.
    const cases: [AccountIntent, string[]][] = [
      [
        transferIntent({
          calls: [
            { target: recipient, value: parseEther("0.25"), data: "0x" },
            { target: token, value: 0n, data: transfer },
          ],
        }),
        [
          `call 1 of 2: pay 0.25 ETH to ${recipient}`,
          `call 2 of 2: call token ${token}: ERC-20 transfer(to ${recipient}, amount 1000 base units)`,
        ],
      ],
      [
        transferIntent({
          calls: [
            { target: token, value: 0n, data: approve },
            { target: token, value: 1n, data: "0xdeadbeef0000" },
            // An ERC-20 transfer with bytes trailing its arguments is not shown as a transfer.
            { target: token, value: 0n, data: `${transfer}00` },
          ],
        }),
        [
          `call 1 of 3: call token ${token}: ERC-20 approve(spender ${recipient}, amount 7 base units)`,
          `call 2 of 3: call ${token}: function 0xdeadbeef (unknown ABI) with 6 bytes of data, sending 0.000000000000000001 ETH`,
          `call 3 of 3: call ${token}: function 0xa9059cbb (unknown ABI) with 69 bytes of data`,
        ],
      ],
    ];
    for (const [intent, calls] of cases) {
      const params = encodeMessagePreimage({ kind: "intent", intent });
      expect(hexToBytes(params)[4]).to.equal(4);
      expect(decodeMessagePreimage(params)).to.deep.equal({ kind: "intent", intent });
      const message = messageDigest({ kind: "intent", intent });
      expect(messagePreimageProblem(message, params)).to.equal(undefined);
      expect(describeMessage(message, params)).to.deep.equal([
        `an intent of threshold account ${account} on chain 31337`,
        "nonce 0, valid until 2030-03-17 17:46:40 UTC (Unix 1900000000)",
        ...calls,
      ]);
    }
  });

  it("a signing session whose message is not its intent's digest is declined, naming both digests", () => {
    const intent = transferIntent();
    const config = signingConfig({
      keySession: 1n,
      signers,
      threshold: 2,
      preimage: { kind: "intent", intent },
    });
    expect(config.message).to.equal(intentDigest(intent));
    expect(sessionConfigProblem(config)).to.equal(undefined);
    // The initiator shows one intent and asks for another's digest (a different recipient).
    const other = intentDigest(
      transferIntent({ calls: [{ target: token, value: parseEther("0.25"), data: "0x" }] }),
    );
    const problem = sessionConfigProblem({ ...config, message: other });
    expect(problem).to.contain(`its message ${other} is not the digest of the intent`);
    expect(problem).to.contain(intentDigest(intent));
    // Trailing bytes after the intent's encoding are refused, not carried unseen.
    const padded = `${config.params}00` as Hex;
    expect(sessionConfigProblem({ ...config, params: padded })).to.contain(
      "the intent it carries cannot be read",
    );
  });

  it("an intent for another chain than the session’s is declined: the one rule runners and the auditor apply", () => {
    const intent = transferIntent();
    const config = signingConfig({
      keySession: 1n,
      signers,
      threshold: 2,
      preimage: { kind: "intent", intent },
    });
    // The same configuration is fine on the chain the intent names, and declined on any other.
    expect(sessionConfigProblem(config, { chainId: Number(intent.chainId) })).to.equal(undefined);
    const elsewhere = Number(intent.chainId) + 1;
    expect(sessionConfigProblem(config, { chainId: elsewhere })).to.equal(
      `it asks for an account intent on chain ${intent.chainId}, but the session runs on chain ${elsewhere}: sign it in a session on chain ${intent.chainId}, where it acts`,
    );
    expect(messagePreimageProblem(config.message, config.params, { chainId: elsewhere })).to.be.a(
      "string",
    );
  });

  it(`refuses an intent over ${MAX_PREIMAGE_BYTES} bytes encoded, naming its size`, () => {
    const data = `0x${"ab".repeat(900)}` as Hex;
    const intent = transferIntent({ calls: [{ target: token, value: 0n, data }] });
    const size = 5 + hexToBytes(encodeIntentBody(intent)).length;
    expect(() => encodeMessagePreimage({ kind: "intent", intent }))
      .to.throw(MessagePreimageError)
      .with.property("message")
      .that.contains(`takes ${size} bytes encoded`)
      .and.contains(`at most ${MAX_PREIMAGE_BYTES}`);
  });

  it("domain separation (W2): the same bytes never give the same digest as an intent and as a text", () => {
    for (const intent of [
      transferIntent(),
      transferIntent({ nonce: 1n }),
      transferIntent({ calls: [] }),
    ]) {
      const digest = intentDigest(intent);
      const body = hexToBytes(encodeIntentBody(intent));
      const params = hexToBytes(encodeMessagePreimage({ kind: "intent", intent }));
      // The body and the whole params, hashed under the text tag, and the plain hashes of both.
      for (const bytes of [body, params]) {
        expect(textTagged(bytes)).to.not.equal(digest);
        expect(bytesToHex(sha256(bytes))).to.not.equal(digest);
        expect(keccak256(bytes)).to.not.equal(digest);
      }
      // The intent's bytes relabelled as a text are not a text a runner accepts.
      const asText = Uint8Array.from(params);
      asText[4] = 1;
      expect(messagePreimageProblem(digest, bytesToHex(asText))).to.be.a("string");
    }
    // And a text's digest is not an intent digest: it is not the 0x1901 EIP-712 hash of anything
    // the account signs; check the shapes differ for a text equal to an intent's hex.
    const text = encodeIntentBody(transferIntent());
    expect(messageDigest({ kind: "text", text })).to.equal(textTagged(utf8(text)));
    expect(messageDigest({ kind: "text", text })).to.not.equal(intentDigest(transferIntent()));
  });

  describe("on a real chain", () => {
    it("viem's intentDigest and hashCalls equal the deployed account's views", async () => {
      const connection = await network.create();
      const d = await deployRoundtable(connection);
      const parties = eoaParties("intent digest", 3);
      await fund(d, parties);
      const taproot = stringToHex("FROST-secp256k1-SHA256-TR-v1", { size: 32 });
      const config = keyGenerationConfig(addressesOf(parties), 2, { ciphersuite: taproot });
      const session = await createSession(d, config, parties);
      for (let i = 0; i < 3; i++) await acceptDirect(d, session, i);
      const sizes = keyGenerationSizes(3, 2);
      for (const round of [1, 2])
        for (let i = 0; i < 3; i++)
          await submitDirect(d, session, i, round, bytesOf(`id/${round}/${i}`, sizes[round - 1]!));
      // Any x coordinate on the curve: the generator's.
      const groupKey = "0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
      for (let i = 0; i < 3; i++) await submitDirect(d, session, i, 3, groupKey);
      // No EntryPoint (address(0)): this test checks the intent digest, not the ERC-4337 path.
      const factory = await connection.viem.deployContract("ThresholdAccountFactory", [
        d.roundtable.address,
        zeroAddress,
      ]);
      const predicted = await d.publicClient.readContract({
        address: factory.address,
        abi: thresholdAccountFactoryAbi,
        functionName: "accountAddress",
        args: [session.id],
      });
      const [wallet] = await connection.viem.getWalletClients();
      await mined(
        d,
        wallet!.writeContract({
          address: factory.address,
          abi: thresholdAccountFactoryAbi,
          functionName: "createAccount",
          args: [session.id, config],
        }),
      );
      const chainId = BigInt(await d.publicClient.getChainId());
      const read = { address: predicted, abi: thresholdAccountAbi } as const;
      for (const intent of [
        transferIntent({ account: predicted, chainId }),
        transferIntent({ account: predicted, chainId, nonce: 5n, calls: [] }),
        transferIntent({
          account: predicted,
          chainId,
          deadline: 2n ** 256n - 1n,
          calls: [
            { target: token, value: 3n, data: "0x01" },
            { target: recipient, value: 0n, data: `0x${"cd".repeat(70)}` },
          ],
        }),
      ]) {
        const callsHash = await d.publicClient.readContract({
          ...read,
          functionName: "hashCalls",
          args: [intent.calls],
        });
        expect(callsHash).to.equal(hashCalls(intent.calls));
        const onChain = await d.publicClient.readContract({
          ...read,
          functionName: "intentDigest",
          args: [intent.nonce, intent.deadline, callsHash],
        });
        expect(onChain).to.equal(intentDigest(intent));
        expect(onChain).to.equal(messageDigest({ kind: "intent", intent }));
      }
      // Another chain id or account gives another digest (the domain names both).
      const base = transferIntent({ account: predicted, chainId });
      expect(intentDigest({ ...base, chainId: chainId + 1n })).to.not.equal(intentDigest(base));
      expect(intentDigest({ ...base, account })).to.not.equal(intentDigest(base));
    });
  });
});
