import assert from "node:assert/strict";
import fc from "fast-check";
import { network } from "hardhat";
import {
  type Address,
  bytesToHex,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBytes,
  parseEventLogs,
  zeroAddress,
  zeroHash,
} from "viem";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import {
  actionTypedData,
  decodeAcceptData,
  encodeAcceptData,
  roundtableDomain,
} from "../../src/sdk/eip712.js";
import { keyProofDigest } from "../../src/sdk/encryptionKeyProof.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { ActionType, type SessionConfig, type UnsignedAction } from "../../src/sdk/types.js";
import { encryptionKeyOf, eoaParties } from "../helpers/accounts.js";
import { keyGenerationConfig, schedule, signingConfig } from "../helpers/configs.js";
import { keyGenerationSizes, messageDigest, roundPayloads } from "../helpers/payloads.js";
import {
  addressesOf,
  createSession,
  type Deployment,
  deployRoundtable,
} from "../helpers/roundtable.js";
import { runSession } from "../helpers/run.js";

const { networkHelpers, viem } = await network.create();

function deployed(connection: Deployment["connection"]): Promise<Deployment> {
  return deployRoundtable(connection);
}

// ───────────────────────────────────────────────────────────── arbitraries

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b));
const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => getAddress(bytesToHex(b)));
const uint8 = fc.integer({ min: 0, max: 255 });
const uint32 = fc.integer({ min: 0, max: 2 ** 32 - 1 });
const uint256 = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const shortBytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => bytesToHex(b));

/** Any configuration: `hashConfig` and `digestOf` are pure, so nothing here needs to be a valid session. */
const anyConfig: fc.Arbitrary<SessionConfig> = fc.record({
  kind: fc.constantFrom(0, 1),
  protocol: bytes32,
  ciphersuite: bytes32,
  parties: fc.array(address, { minLength: 1, maxLength: 8 }),
  threshold: uint8,
  rounds: fc.array(fc.record({ duration: uint32, commitReveal: fc.boolean() }), {
    minLength: 1,
    maxLength: 7,
  }),
  acceptanceDuration: uint32,
  keySession: uint256,
  message: bytes32,
  params: shortBytes(96),
});

const exactBytes = (length: number) =>
  fc.uint8Array({ minLength: length, maxLength: length }).map((b) => bytesToHex(b));

/** Accept data as the contract splits it: a 33-byte key, a 64-byte proof, and maybe a delegate. */
const acceptData: fc.Arbitrary<Hex> = fc
  .record({
    encryptionKey: exactBytes(33),
    keyProof: exactBytes(64),
    delegate: fc.oneof(fc.constant(zeroAddress), address),
  })
  .map(encodeAcceptData);

const anyAction = (action: number): fc.Arbitrary<UnsignedAction> =>
  fc.record({
    action: fc.constant(action),
    sessionId: uint256,
    party: uint8,
    round: uint8,
    accused: uint8,
    word: bytes32,
    data: action === ActionType.Accept ? acceptData : shortBytes(300),
  });

// ─────────────────────────────────────────────── single-field mutations (S1)

const FIELDS = [
  "kind",
  "protocol",
  "ciphersuite",
  "party",
  "threshold",
  "roundDuration",
  "roundFlag",
  "acceptanceDuration",
  "keySession",
  "message",
  "params",
] as const;

type Mutation = { field: (typeof FIELDS)[number]; index: number; bit: number };

const anyMutation: fc.Arbitrary<Mutation> = fc.record({
  field: fc.constantFrom(...FIELDS),
  index: fc.nat(),
  bit: fc.nat({ max: 255 }),
});

function flipBit(value: Hex, bit: number): Hex {
  const bytes = hexToBytes(value);
  const at = Math.floor(bit / 8) % bytes.length;
  bytes[at] = (bytes[at] ?? 0) ^ (1 << (bit % 8));
  return bytesToHex(bytes);
}

/** `config` with exactly one field changed, whatever its value was. */
function mutate(config: SessionConfig, { field, index, bit }: Mutation): SessionConfig {
  const round = index % config.rounds.length;
  const spec = config.rounds[round]!;
  const withRound = (changed: SessionConfig["rounds"][number]) =>
    config.rounds.map((r, i) => (i === round ? changed : r));
  switch (field) {
    case "kind":
      return { ...config, kind: 1 - config.kind };
    case "protocol":
      return { ...config, protocol: flipBit(config.protocol, bit) };
    case "ciphersuite":
      return { ...config, ciphersuite: flipBit(config.ciphersuite, bit) };
    case "party": {
      const at = index % config.parties.length;
      const parties = config.parties.map((p, i) => (i === at ? getAddress(flipBit(p, bit)) : p));
      return { ...config, parties };
    }
    case "threshold":
      return { ...config, threshold: (config.threshold + 1 + (bit % 255)) % 256 };
    case "roundDuration":
      return {
        ...config,
        rounds: withRound({ ...spec, duration: (spec.duration ^ (1 << (bit % 32))) >>> 0 }),
      };
    case "roundFlag":
      return { ...config, rounds: withRound({ ...spec, commitReveal: !spec.commitReveal }) };
    case "acceptanceDuration":
      return {
        ...config,
        acceptanceDuration: (config.acceptanceDuration ^ (1 << (bit % 32))) >>> 0,
      };
    case "keySession":
      return { ...config, keySession: config.keySession ^ (1n << BigInt(bit)) };
    case "message":
      return { ...config, message: flipBit(config.message, bit) };
    case "params":
      return { ...config, params: config.params === "0x" ? "0x00" : flipBit(config.params, bit) };
  }
}

function acceptOf(configHash: Hex, sessionId = 1n): UnsignedAction {
  return {
    action: ActionType.Accept,
    sessionId,
    party: 0,
    round: 0,
    accused: 0,
    word: configHash,
    // The digest does not cover the key proof, so any 64 bytes do here.
    data: encodeAcceptData({
      encryptionKey: encryptionKeyOf("S1"),
      keyProof: `0x${"ab".repeat(64)}`,
      delegate: zeroAddress,
    }),
  };
}

describe("SDK", () => {
  describe("EIP-712 digests", () => {
    for (const [name, action] of Object.entries(ActionType)) {
      it(`equals the contract's digestOf for ${name} actions`, async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const domain = roundtableDomain(d.chainId, d.roundtable.address);
        await fc.assert(
          fc.asyncProperty(anyAction(action), async (unsigned) => {
            const onChain = await d.roundtable.read.digestOf([{ ...unsigned, signature: "0x" }]);
            assert.equal(hashTypedData(actionTypedData(domain, unsigned)), onChain);
          }),
          { numRuns: 25 },
        );
      });
    }

    for (const [name, action] of Object.entries(ActionType)) {
      it(`names the party in ${name} digests: another party's digest differs, on both sides`, async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const domain = roundtableDomain(d.chainId, d.roundtable.address);
        await fc.assert(
          fc.asyncProperty(anyAction(action), uint8, async (unsigned, other) => {
            fc.pre(other !== unsigned.party);
            const moved = { ...unsigned, party: other };
            const onChain = await d.roundtable.read.digestOf([{ ...moved, signature: "0x" }]);
            assert.equal(hashTypedData(actionTypedData(domain, moved)), onChain);
            assert.notEqual(hashTypedData(actionTypedData(domain, unsigned)), onChain);
          }),
          { numRuns: 15 },
        );
      });
    }

    it("covers an Accept's delegate: naming one changes the digest, on both sides", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const domain = roundtableDomain(d.chainId, d.roundtable.address);
      const plain = acceptOf(zeroHash);
      const delegated = {
        ...plain,
        data: encodeAcceptData({ ...decodeAcceptData(plain.data), delegate: d.relayer }),
      };
      const onChain = await d.roundtable.read.digestOf([{ ...delegated, signature: "0x" }]);
      assert.equal(hashTypedData(actionTypedData(domain, delegated)), onChain);
      assert.notEqual(hashTypedData(actionTypedData(domain, plain)), onChain);
    });

    it("refuses Accept data of another length on both sides", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const domain = roundtableDomain(d.chainId, d.roundtable.address);
      const short = { ...acceptOf(zeroHash), data: encryptionKeyOf("S1") };
      assert.throws(() => actionTypedData(domain, short), {
        name: "RangeError",
        message: "Accept data is 33 bytes: expected 97 (key and key proof) or 117 (and a delegate)",
      });
      await viem.assertions.revertWithCustomErrorWithArgs(
        d.roundtable.read.digestOf([{ ...short, signature: "0x" }]),
        d.roundtable,
        "RoundtableInvalidAcceptData",
        [1n, 0, 33n],
      );
    });

    it("ignores the signature field on both sides", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const unsigned = acceptOf(zeroHash);
      const bare = await d.roundtable.read.digestOf([{ ...unsigned, signature: "0x" }]);
      const withSignature = await d.roundtable.read.digestOf([
        { ...unsigned, signature: `0x${"ab".repeat(65)}` },
      ]);
      assert.equal(withSignature, bare);
    });

    it("ignores fields outside the action's type (round and accused of an Accept)", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const domain = roundtableDomain(d.chainId, d.roundtable.address);
      const unsigned = acceptOf(zeroHash);
      const noisy = { ...unsigned, round: 7, accused: 9 };
      assert.equal(
        await d.roundtable.read.digestOf([{ ...noisy, signature: "0x" }]),
        hashTypedData(actionTypedData(domain, unsigned)),
      );
    });

    it("differs for another deployment of the contract", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const other = roundtableDomain(d.chainId, getAddress(flipBit(d.roundtable.address, 0)));
      const unsigned = acceptOf(zeroHash);
      assert.notEqual(
        hashTypedData(actionTypedData(other, unsigned)),
        await d.roundtable.read.digestOf([{ ...unsigned, signature: "0x" }]),
      );
    });

    it("rejects an unknown action type in TypeScript with a RangeError that names it", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const domain = roundtableDomain(d.chainId, d.roundtable.address);
      assert.throws(() => actionTypedData(domain, { ...acceptOf(zeroHash), action: 4 }), {
        name: "RangeError",
        message: "Unknown action type 4: expected 0 (Accept) to 3 (Complain).",
      });
    });
  });

  describe("keyProofDigest", () => {
    it("equals the contract's keyProofDigestOf for any session, party and key", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      await fc.assert(
        fc.asyncProperty(
          uint256,
          uint8,
          exactBytes(33),
          async (sessionId, party, encryptionKey) => {
            const onChain = await d.roundtable.read.keyProofDigestOf([
              sessionId,
              party,
              encryptionKey,
            ]);
            const binding = {
              chainId: d.chainId,
              contract: d.roundtable.address,
              sessionId,
              party,
            };
            assert.equal(keyProofDigest({ ...binding, encryptionKey }), onChain);
          },
        ),
        { numRuns: 25 },
      );
    });

    it("differs for another party, session or deployment", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const encryptionKey = encryptionKeyOf("keyProof");
      const binding = {
        chainId: d.chainId,
        contract: d.roundtable.address,
        sessionId: 1n,
        party: 0,
      };
      const digest = keyProofDigest({ ...binding, encryptionKey });
      const others = [
        { ...binding, party: 1 },
        { ...binding, sessionId: 2n },
        { ...binding, contract: getAddress(flipBit(d.roundtable.address, 0)) },
        { ...binding, chainId: d.chainId + 1 },
      ];
      for (const other of others)
        assert.notEqual(
          keyProofDigest({ ...other, encryptionKey }),
          digest,
          JSON.stringify(other, (_, v) => (typeof v === "bigint" ? `${v}` : v)),
        );
    });
  });

  describe("EIP-712 domain", () => {
    it("eip712Domain() (ERC-5267) matches roundtableDomain", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const [fields, name, version, chainId, verifyingContract, salt, extensions] =
        await d.roundtable.read.eip712Domain();
      const expected = roundtableDomain(d.chainId, d.roundtable.address);
      assert.deepEqual(
        { fields, name, version, chainId, verifyingContract, salt, extensions },
        {
          fields: "0x0f", // name, version, chainId, verifyingContract; no salt
          name: expected.name,
          version: expected.version,
          chainId: BigInt(expected.chainId),
          verifyingContract: expected.verifyingContract,
          salt: zeroHash,
          extensions: [],
        },
      );
    });
  });

  describe("hashSessionConfig", () => {
    it("equals the contract's hashConfig for any configuration", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      await fc.assert(
        fc.asyncProperty(anyConfig, async (config) => {
          assert.equal(hashSessionConfig(config), await d.roundtable.read.hashConfig([config]));
        }),
        { numRuns: 40 },
      );
    });

    it("equals the configHash of SessionCreated and configHashOf for a key generation", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const parties = eoaParties("sdk/keygen", 3);
      const config = keyGenerationConfig(addressesOf(parties), 2, {
        rounds: schedule(3, [1]),
        params: "0xc0ffee",
      });
      const session = await createSession(d, config, parties);
      assert.equal(session.configHash, hashSessionConfig(config));
      assert.equal(await d.roundtable.read.configHashOf([session.id]), hashSessionConfig(config));
    });

    it("equals the configHash of SessionCreated for a signing session", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const holders = eoaParties("sdk/holders", 3);
      const keygen = await createSession(d, keyGenerationConfig(addressesOf(holders), 2), holders);
      await runSession(
        d,
        keygen,
        roundPayloads("sdk/keygen", 3, keyGenerationSizes(3, 2)),
        "batch",
      );
      const signers = holders.slice(1);
      const config = signingConfig(
        keygen.id,
        addressesOf(signers),
        2,
        messageDigest("sdk/message"),
      );
      const session = await createSession(d, config, signers);
      assert.equal(session.configHash, hashSessionConfig(config));
    });

    it("emits in SessionCreated exactly the configuration it hashed", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const parties = eoaParties("sdk/event", 4);
      const config = keyGenerationConfig(addressesOf(parties), 3, { params: "0x0102" });
      const session = await createSession(d, config, parties);
      const [created] = parseEventLogs({
        abi: roundtableAbi,
        logs: session.receipt.logs,
        eventName: "SessionCreated",
      });
      assert.deepEqual(created?.args.config, config);
      assert.equal(hashSessionConfig(created.args.config), created.args.configHash);
    });

    it("S1: changing any single configuration field changes the hash and the Accept digest", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      const domain = roundtableDomain(d.chainId, d.roundtable.address);
      const acceptDigest = (configHash: Hex) =>
        d.roundtable.read.digestOf([{ ...acceptOf(configHash), signature: "0x" }]);
      await fc.assert(
        fc.asyncProperty(anyConfig, anyMutation, async (config, mutation) => {
          const changed = mutate(config, mutation);
          const [before, after] = [hashSessionConfig(config), hashSessionConfig(changed)];
          assert.notEqual(after, before, `changing ${mutation.field} left the hash unchanged`);
          assert.equal(await d.roundtable.read.hashConfig([changed]), after);
          const [digestBefore, digestAfter] = [
            await acceptDigest(before),
            await acceptDigest(after),
          ];
          assert.notEqual(
            digestAfter,
            digestBefore,
            `changing ${mutation.field} left the Accept digest unchanged`,
          );
          assert.equal(hashTypedData(actionTypedData(domain, acceptOf(after))), digestAfter);
        }),
        { numRuns: 150 },
      );
    });

    it("S1: every field is covered by the mutations", () => {
      const fieldOf = { party: "parties", roundDuration: "rounds", roundFlag: "rounds" } as const;
      const covered = new Set(
        FIELDS.map((f) => (f in fieldOf ? fieldOf[f as keyof typeof fieldOf] : f)),
      );
      assert.deepEqual([...covered].sort(), Object.keys(keyGenerationConfig([], 1)).sort());
    });
  });

  describe("commitmentOf", () => {
    it("equals the contract's commitmentOf for any session, round, party and payload", async () => {
      const d = await networkHelpers.loadFixture(deployed);
      await fc.assert(
        fc.asyncProperty(
          uint256,
          uint8,
          address,
          shortBytes(600),
          async (sessionId, round, party, payload) => {
            const onChain = await d.roundtable.read.commitmentOf([
              sessionId,
              round,
              party,
              payload,
            ]);
            assert.equal(commitmentOf(sessionId, round, party, payload), onChain);
          },
        ),
        { numRuns: 40 },
      );
    });

    it("differs for another party committing the same payload", async () => {
      const [a, b]: Address[] = addressesOf(eoaParties("sdk/commit", 2));
      const payload = "0x1234";
      assert.notEqual(commitmentOf(1n, 1, a!, payload), commitmentOf(1n, 1, b!, payload));
    });
  });
});
