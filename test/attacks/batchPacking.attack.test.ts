// Attacks on the packed, inline `batch` (issue 12): a dishonest party, relayer or anyone calling
// `batch` tries to sink honest items, leave state half-written, make the contract and
// unpackBatchItems read different items, change an honest party's action on the way, or make the
// runner's and the auditor's origin checks blame an honest party. Real chain: Hardhat's
// in-process network, as test/session/threats.test.ts uses it.
import assert from "node:assert/strict";
import { network } from "hardhat";
import {
  BaseError,
  ContractFunctionRevertedError,
  concatHex,
  encodeFunctionData,
  type Hash,
  type Hex,
  hexToBigInt,
  numberToHex,
  parseEventLogs,
  parseSignature,
  sliceHex,
  type TransactionReceipt,
  toFunctionSelector,
  zeroAddress,
} from "viem";
import type { CheckContext } from "../../src/auditor/checks/checkContext.js";
import { checkAcceptanceConfigHash } from "../../src/auditor/checks/ruleChecks.js";
import { rebuildSession } from "../../src/auditor/rebuildSession.js";
import type { RoundtablePublicClient } from "../../src/sdk/actions/internal.js";
import {
  batchItemProblem,
  encodeBatchCall,
  packBatchItems,
  unpackBatchItems,
} from "../../src/sdk/batchCall.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { ActionType, Phase, type SignedAction } from "../../src/sdk/types.js";
import { verifyActionOrigin } from "../../src/sdk/verifyActionOrigin.js";
import { eoaParties, eoaParty } from "../helpers/accounts.js";
import { keyGenerationConfig } from "../helpers/configs.js";
import { keyGenerationSizes, roundPayloads } from "../helpers/payloads.js";
import {
  acceptAction,
  addressesOf,
  createSession,
  type Deployment,
  deployRoundtable,
  fund,
  keyProofFor,
  mined,
  outcomeOf,
  partyAt,
  relay,
  type Session,
  signFor,
  stateOf,
  submitAction,
} from "../helpers/roundtable.js";
import { runPhase } from "../helpers/run.js";
import { deployHonestWallet, executeAs } from "../helpers/wallets.js";

const { networkHelpers } = await network.create();

type Connection = Deployment["connection"];
type Table = { d: Deployment; session: Session };

const trio = eoaParties("batchPacking/trio", 3);
const [A, B, C] = [0, 1, 2];
const payloads = roundPayloads("batchPacking", 3, keyGenerationSizes(3, 2));
const round1 = (party: number): Hex => payloads[0]![party]!;
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const SECP256K1_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

// ────────────────────────────────────────────────────────────────── fixtures

async function created(c: Connection): Promise<Table> {
  const d = await deployRoundtable(c);
  await fund(d, trio);
  return { d, session: await createSession(d, keyGenerationConfig(addressesOf(trio), 2), trio) };
}

/** Every party accepted: round 1 (Submitting) is open. */
async function inRound1(c: Connection): Promise<Table> {
  const { d, session } = await created(c);
  await runPhase(d, session, { kind: "accept" }, payloads, "direct");
  return { d, session };
}

const fixtures = {
  created: (c: Connection) => created(c),
  inRound1: (c: Connection) => inRound1(c),
};
const load = (name: keyof typeof fixtures) => networkHelpers.loadFixture(fixtures[name]);

// ─────────────────────────────────────────────────────────────────── helpers

function eventsOf(receipt: TransactionReceipt) {
  return parseEventLogs({ abi: roundtableAbi, logs: receipt.logs, strict: true });
}

/** Sends a batch of raw packed bytes (not through packBatchItems) from the relayer. */
function sendPacked(d: Deployment, items: Hex): Promise<Hash> {
  return d.roundtable.write.batch([items], { account: d.relayer });
}

/** The revert data `applySigned` gives `action` now, or undefined if it would succeed. */
async function directRevert(d: Deployment, action: SignedAction): Promise<Hex | undefined> {
  try {
    await d.roundtable.simulate.applySigned([action], { account: d.relayer });
    return undefined;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    assert.ok(reverted instanceof ContractFunctionRevertedError, String(error));
    assert.ok(reverted.raw !== undefined, "applySigned reverted with data");
    return reverted.raw;
  }
}

/** What the contract's revert data names: `RoundtableMalformedBatch(offset)` as "Malformed@offset". */
async function batchOutcome(d: Deployment, items: Hex): Promise<string | undefined> {
  try {
    await d.roundtable.simulate.batch([items], { account: d.relayer });
    return undefined;
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (!(reverted instanceof ContractFunctionRevertedError)) return "reverted";
    const name = reverted.data?.errorName;
    return name === "RoundtableMalformedBatch"
      ? `Malformed@${reverted.data?.args?.[0]}`
      : (name ?? "reverted");
  }
}

/** What unpackBatchItems says of the same bytes, in the same words. */
function unpackOutcome(items: Hex): string | undefined {
  try {
    unpackBatchItems(items);
    return undefined;
  } catch (error) {
    const at = /at byte (\d+)/.exec((error as Error).message);
    return at === null ? "threw" : `Malformed@${at[1]}`;
  }
}

/** The same signature with s replaced by n − s and v flipped: valid for ecrecover, malleable. */
function highS(signature: Hex): Hex {
  const { r, s, yParity } = parseSignature(signature);
  return concatHex([
    r,
    numberToHex(SECP256K1_N - hexToBigInt(s), { size: 32 }),
    yParity === 0 ? "0x1c" : "0x1b",
  ]);
}

function filled(byte: number, length: number): Hex {
  return `0x${byte.toString(16).padStart(2, "0").repeat(length)}` as Hex;
}

/** The session's state and transcript: what a half-written item would change. */
function snapshotOf(d: Deployment, session: Session) {
  return Promise.all([
    stateOf(d, session),
    d.roundtable.read.transcriptOf([session.id]),
    Promise.all(session.parties.map((_, p) => d.roundtable.read.delegateOf([session.id, p]))),
  ]);
}

/** The sources rebuildSession reads, straight from the chain. */
function chainSources(d: Deployment) {
  const client = d.publicClient;
  return {
    getTransaction: (hash: Hash) => client.getTransaction({ hash }),
    getBlockTime: async (blockHash: Hash) => (await client.getBlock({ blockHash })).timestamp,
    hasCode: async (address: `0x${string}`, blockNumber: bigint) =>
      ((await client.getCode({ address, blockNumber })) ?? "0x") !== "0x",
  };
}

/** B's round-1 submission as the runner reports it from the chain, for verifyActionOrigin. */
function reportedSubmit(session: Session, party: number, receipt: TransactionReceipt) {
  return {
    kind: "submit" as const,
    party,
    round: 1,
    data: round1(party),
    account: partyAt(session, party).address,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
  };
}

function originOf(d: Deployment, session: Session, party: number, receipt: TransactionReceipt) {
  return verifyActionOrigin({
    publicClient: d.publicClient as unknown as RoundtablePublicClient,
    chainId: d.chainId,
    contract: d.roundtable.address,
    sessionId: session.id,
    action: reportedSubmit(session, party, receipt),
  });
}

async function rebuilt(d: Deployment, session: Session) {
  const logs = await d.publicClient.getLogs({ address: d.roundtable.address, fromBlock: 0n });
  const record = await rebuildSession({
    sessionId: session.id,
    chainId: d.chainId,
    contract: d.roundtable.address,
    logs,
    sources: chainSources(d),
  });
  return record;
}

async function auditedOrigin(d: Deployment, session: Session, party: number, kind: string) {
  const record = await rebuilt(d, session);
  const action = record.actions.find((a) => a.party === party && a.kind === kind);
  assert.ok(action !== undefined, `the auditor sees party ${party}'s ${kind}`);
  return action.origin;
}

// ────────────────────────────────────────────────────────────────────── tests

describe("attack: the packed inline batch (issue 12)", function () {
  this.timeout(120_000);

  describe("griefing: no item but running out of gas sinks the batch", () => {
    /** Every way we found to make an item fail in round 1, each before C's honest item. */
    async function junk(d: Deployment, session: Session): Promise<SignedAction[]> {
      const s = session.id;
      const a = await signFor(d, session, submitAction(s, A, 1, round1(A)));
      const b = await signFor(d, session, submitAction(s, B, 1, round1(B)));
      const onCurveX = partyAt(session, A).encryptionKey;
      const badAccept = (data: Hex): SignedAction => ({
        ...a,
        action: ActionType.Accept,
        round: 0,
        word: session.configHash,
        data,
      });
      return [
        { ...a, sessionId: s + 1000n }, // unknown session
        { ...a, sessionId: 2n ** 64n - 1n }, // the largest packable session id
        { ...a, party: 255 }, // unknown party, the largest index
        { ...a, party: 3 }, // one past the last party
        { ...a, round: 255 },
        { ...a, data: "0x" }, // empty payload
        { ...a, data: filled(0xab, 16_385) }, // one byte over the payload cap
        { ...a, data: filled(0xcd, 0xffff) }, // the largest packable data
        { ...a, signature: "0x" }, // unsigned: "authorized by msg.sender" must not apply
        { ...a, signature: filled(0xff, 0xffff) }, // the largest packable signature
        { ...a, signature: filled(0x00, 65) }, // ecrecover of zeros
        { ...a, signature: sliceHex(a.signature, 0, 64) }, // cut to 64 bytes (not EIP-2098)
        { ...a, signature: highS(a.signature) }, // malleable
        { ...b, party: A }, // B's signature under A's index
        { ...a, action: ActionType.Commit, word: filled(0x11, 32) }, // wrong phase
        badAccept("0x"),
        badAccept(filled(0x02, 96)), // one byte short of key | proof
        badAccept(
          // x = p − 1 (no such point), proof r ≥ p and s ≥ n: Bip340 must not revert
          encodeAcceptData({
            encryptionKey: concatHex(["0x02", numberToHex(SECP256K1_P - 1n, { size: 32 })]),
            keyProof: concatHex([filled(0xff, 32), filled(0xff, 32)]),
            delegate: zeroAddress,
          }),
        ),
        badAccept(
          encodeAcceptData({
            encryptionKey: onCurveX,
            keyProof: filled(0x00, 64),
            delegate: zeroAddress,
          }),
        ),
        { ...a, action: ActionType.Complain, accused: A, data: "0x01" }, // against itself
        { ...a, action: ActionType.Complain, accused: 255, data: "0x01" },
        { ...a, action: ActionType.Complain, accused: B, data: "0x" }, // no evidence
        { ...a, action: ActionType.Complain, accused: B, data: "0x01" }, // not A's signature
        { ...a, action: ActionType.Complain, party: 255, accused: B, data: "0x01" },
      ];
    }

    it("every failing item is rejected alone, with the error applySigned reverts with, and C's item lands", async () => {
      const { d, session } = await load("inRound1");
      const items = await junk(d, session);
      const expected = await Promise.all(items.map((item) => directRevert(d, item)));
      const honest = await signFor(d, session, submitAction(session.id, C, 1, round1(C)));
      const receipt = await relay(d, [...items, honest]);
      const events = eventsOf(receipt);
      const refused = events.flatMap((e) =>
        e.eventName === "ActionRejected" ? [[Number(e.args.item), e.args.reason]] : [],
      );
      assert.deepEqual(
        refused,
        expected.map((reason, i) => [i, reason]),
        "each item rejected with applySigned's own error",
      );
      assert.equal(events.filter((e) => e.eventName === "ActionSkipped").length, 0);
      assert.deepEqual(
        events.flatMap((e) =>
          e.eventName === "PayloadSubmitted" ? [[e.args.index, e.args.payload]] : [],
        ),
        [[C, round1(C)]],
      );
    });

    it("the failing items write nothing: state and transcript equal those of C's item alone", async () => {
      const { d, session } = await load("inRound1");
      const honest = await signFor(d, session, submitAction(session.id, C, 1, round1(C)));
      const snapshot = await networkHelpers.takeSnapshot();
      await relay(d, [...(await junk(d, session)), honest]);
      const withJunk = await snapshotOf(d, session);
      await snapshot.restore();
      await relay(d, [honest]);
      assert.deepEqual(withJunk, await snapshotOf(d, session));
    });

    it("an acceptance naming a delegate that fails its key proof leaves no delegate behind", async () => {
      const { d, session } = await load("created");
      const delegate = eoaParty("batchPacking/delegate").address;
      const named = acceptAction(session, A, { delegate, keyProof: filled(0x00, 64) });
      const signed = await signFor(d, session, named);
      const honest = await signFor(d, session, acceptAction(session, B));
      const receipt = await relay(d, [signed, honest]);
      const names = eventsOf(receipt).map((e) => e.eventName);
      assert.deepEqual(names.slice(0, 2), ["ActionRejected", "PartyAccepted"]);
      assert.equal(await d.roundtable.read.delegateOf([session.id, A]), zeroAddress);
      assert.equal((await stateOf(d, session)).acted, 1n << BigInt(B));
    });
  });

  describe("packing: the contract and unpackBatchItems read the same bytes the same way", () => {
    it("an empty batch is a no-op for both", async () => {
      const { d } = await load("inRound1");
      assert.deepEqual(unpackBatchItems("0x"), []);
      const receipt = await mined(d, sendPacked(d, "0x"));
      assert.equal(receipt.logs.length, 0);
    });

    it("trailing bytes, a short length, a head that swallows the next item: both refuse at the same offset, and nothing lands", async () => {
      const { d, session } = await load("inRound1");
      const honest = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
      const one = packBatchItems([honest]);
      const length = (one.length - 2) / 2;
      const cases: Hex[] = [
        concatHex([one, filled(0x00, 15)]), // trailing garbage shorter than a head
        concatHex([one, filled(0x00, 16)]), // a zero head: an Accept with no word
        sliceHex(one, 0, length - 1), // the signature cut by a byte
        // The submission's head read as an acceptance (0x04 is Accept with a wallet allowance): its
        // word takes 32 bytes of the signature, and the lengths then run past the end.
        concatHex(["0x04", sliceHex(one, 1)]),
      ];
      const before = await snapshotOf(d, session);
      for (const items of cases) {
        const contract = await batchOutcome(d, items);
        assert.match(contract ?? "", /^Malformed@\d+$/, `contract on ${items.slice(0, 40)}…`);
        assert.equal(unpackOutcome(items), contract, "unpackBatchItems agrees");
        assert.equal(await outcomeOf(d, sendPacked(d, items)), "RoundtableMalformedBatch");
      }
      assert.deepEqual(await snapshotOf(d, session), before, "no item of a malformed batch lands");
    });

    it("random packings: the contract refuses exactly where unpackBatchItems does, and reports one event per item it reads", async () => {
      const { d, session } = await load("inRound1");
      // A seeded generator: heads of every action type with lengths near and past the end.
      let seed = 0x5eed;
      const next = (n: number) => {
        seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
        return seed % n;
      };
      const seen = { malformed: 0, read: 0 };
      for (let round = 0; round < 40; round++) {
        const parts: Hex[] = [];
        for (let k = 0, count = 1 + next(4); k < count; k++) {
          // Any first byte: the action in its two low bits, a wallet allowance above them.
          const action = next(256);
          const dataLength = next(40);
          const sigLength = next(70);
          const body =
            ((action & 3) <= 1 ? 32 : 0) + dataLength + sigLength - (next(5) === 0 ? 1 : 0); // sometimes short
          parts.push(
            concatHex([
              numberToHex(action, { size: 1 }),
              numberToHex(next(4), { size: 1 }),
              numberToHex(next(3), { size: 1 }),
              numberToHex(next(4), { size: 1 }),
              numberToHex(session.id + BigInt(next(2)), { size: 8 }),
              numberToHex(dataLength, { size: 2 }),
              numberToHex(sigLength, { size: 2 }),
              filled(0x40 + next(64), Math.max(body, 0)),
            ]),
          );
        }
        const items = concatHex(parts);
        const expected = unpackOutcome(items);
        assert.equal(await batchOutcome(d, items), expected, `packing ${items}`);
        if (expected !== undefined) {
          seen.malformed++;
          continue;
        }
        const read = unpackBatchItems(items);
        seen.read += read.length;
        const snapshot = await networkHelpers.takeSnapshot();
        const events = eventsOf(await mined(d, sendPacked(d, items)));
        await snapshot.restore();
        // No random item carries a valid signature: each is refused, in order, as TS read it.
        assert.deepEqual(
          events.map((e) =>
            e.eventName === "ActionRejected" || e.eventName === "ActionSkipped"
              ? [Number(e.args.item), e.args.sessionId, e.args.party]
              : [e.eventName],
          ),
          read.map((item, i) => [i, item.sessionId, item.party]),
        );
      }
      // Both branches ran: some packings refused, some items read and refused one by one.
      assert.ok(seen.malformed >= 5 && seen.read >= 20, JSON.stringify(seen));
    });

    it("packBatchItems refuses what its 8-byte and 2-byte fields cannot hold, naming the value", async () => {
      const { d, session } = await load("inRound1");
      const a = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
      const tooBig = { ...a, sessionId: 2n ** 64n + session.id };
      assert.match(batchItemProblem(tooBig) ?? "", /session id 18446744073709551617/);
      assert.throws(() => packBatchItems([a, tooBig]), /Batch item 1: session id/);
      assert.throws(
        () => packBatchItems([{ ...a, data: filled(1, 0x10000) }]),
        /data of 65536 bytes/,
      );
      assert.throws(
        () => packBatchItems([{ ...a, signature: filled(1, 0x10000) }]),
        /signature of 65536 bytes/,
      );
      // A session id that would wrap to an existing session is refused, never packed as that session.
      assert.equal(unpackBatchItems(packBatchItems([a]))[0]!.sessionId, session.id);
    });
  });

  describe("a relayer repacking an honest party's signed action", () => {
    it("every change to content, party, round or type is rejected, and the honest action then lands as signed", async () => {
      const { d, session } = await load("inRound1");
      const b = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
      const flipped = `${b.data.slice(0, -2)}${b.data.endsWith("00") ? "01" : "00"}` as Hex;
      const changed: SignedAction[] = [
        { ...b, data: flipped },
        { ...b, data: concatHex([b.data, "0x00"]) },
        { ...b, party: A },
        { ...b, party: C },
        { ...b, round: 2 },
        { ...b, action: ActionType.Complain, accused: A },
        { ...b, action: ActionType.Commit, word: sliceHex(b.data, 0, 32) },
      ];
      const receipt = await relay(d, [...changed, b]);
      const events = eventsOf(receipt);
      assert.deepEqual(
        events.filter((e) => e.eventName === "ActionRejected").map((e) => Number(e.args.item)),
        changed.map((_, i) => i),
      );
      assert.deepEqual(
        events.flatMap((e) =>
          e.eventName === "PayloadSubmitted" ? [[e.args.index, e.args.round, e.args.payload]] : [],
        ),
        [[B, 1, round1(B)]],
      );
      assert.equal(
        (await stateOf(d, session)).phase,
        Phase.Submitting,
        "no changed complaint aborted the session",
      );
    });

    it("an acceptance's config hash, key or delegate cannot be swapped", async () => {
      const { d, session } = await load("created");
      const signed = await signFor(d, session, acceptAction(session, A));
      const other = eoaParty("batchPacking/other").address;
      const swapped: SignedAction[] = [
        { ...signed, word: filled(0x22, 32) },
        {
          ...signed,
          data: encodeAcceptData({
            encryptionKey: partyAt(session, B).encryptionKey,
            keyProof: keyProofFor(session, B),
            delegate: zeroAddress,
          }),
        },
        {
          ...signed,
          data: encodeAcceptData({
            encryptionKey: partyAt(session, A).encryptionKey,
            keyProof: keyProofFor(session, A),
            delegate: other,
          }),
        },
      ];
      const events = eventsOf(await relay(d, swapped));
      assert.deepEqual(
        events.map((e) => e.eventName),
        ["ActionRejected", "ActionRejected", "ActionRejected"],
      );
      assert.equal(await d.roundtable.read.delegateOf([session.id, A]), zeroAddress);
      assert.equal((await stateOf(d, session)).acted, 0n);
    });
  });

  describe("memory reused between items", () => {
    it("a large item and a long error before it leave the next item's checks and events exact", async () => {
      const { d, session } = await load("inRound1");
      const big = filled(0x5a, 16_384);
      const a = await signFor(d, session, submitAction(session.id, A, 1, big));
      const junkAccept: SignedAction = {
        ...a,
        action: ActionType.Accept,
        round: 0,
        word: session.configHash,
        data: filled(0x02, 117),
        signature: filled(0xee, 0xffff),
      };
      const bad = { ...a, party: C, signature: filled(0x01, 65) };
      const c = await signFor(d, session, submitAction(session.id, C, 1, round1(C)));
      const expected = [await directRevert(d, junkAccept), await directRevert(d, bad)];
      const b = await signFor(d, session, submitAction(session.id, B, 1, "0x01"));
      const events = eventsOf(await relay(d, [a, junkAccept, bad, b, c]));
      assert.deepEqual(
        events.map((e) =>
          e.eventName === "PayloadSubmitted"
            ? ["submitted", e.args.index, e.args.payload]
            : e.eventName === "ActionRejected"
              ? ["rejected", Number(e.args.item), e.args.reason]
              : [e.eventName],
        ),
        [
          ["submitted", A, big],
          ["rejected", 1, expected[0]],
          ["rejected", 2, expected[1]],
          ["submitted", B, "0x01"],
          ["submitted", C, round1(C)],
          ["PhaseOpened"],
        ],
      );
    });
  });

  describe("non-canonical ABI around the packed items", () => {
    /** `batch` calldata with `items` placed as the contract's ABI decoder allows but encodeBatchCall never writes. */
    function variants(items: Hex): Record<string, Hex> {
      const selector = toFunctionSelector("batch(bytes)");
      const length = numberToHex((items.length - 2) / 2, { size: 32 });
      const padding = (32 - (((items.length - 2) / 2) % 32)) % 32;
      const word = (n: number) => numberToHex(n, { size: 32 });
      return {
        "trailing bytes after the argument": concatHex([
          selector,
          word(32),
          length,
          items,
          filled(0, padding),
          filled(0xaa, 40),
        ]),
        "no padding after the items": concatHex([selector, word(32), length, items]),
        "non-zero padding": concatHex([selector, word(32), length, items, filled(0xbb, padding)]),
        "an offset past a gap": concatHex([
          selector,
          word(64),
          filled(0xcc, 32),
          length,
          items,
          filled(0, padding),
        ]),
      };
    }

    for (const name of [
      "trailing bytes after the argument",
      "no padding after the items",
      "non-zero padding",
      "an offset past a gap",
    ]) {
      it(`${name}: the items the contract records verify for the runner and the auditor`, async () => {
        const { d, session } = await load("inRound1");
        const b = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
        const [, relayer] = await d.connection.viem.getWalletClients();
        const data = variants(packBatchItems([b]))[name]!;
        const receipt = await mined(
          d,
          relayer!.sendTransaction({ to: d.roundtable.address, data, account: relayer!.account }),
        );
        const events = eventsOf(receipt);
        assert.ok(
          events.some((e) => e.eventName === "PayloadSubmitted"),
          "the contract's ABI decoder takes this encoding and records B's item",
        );
        const origin = await originOf(d, session, B, receipt);
        assert.ok(!("verified" in origin), JSON.stringify(origin));
        const audited = await auditedOrigin(d, session, B, "submit");
        assert.equal(audited.signer, partyAt(session, B).address);
      });
    }
  });

  describe("framing: the runner and the auditor attribute a batched action to its party", () => {
    it("control: an honest batch verifies for the runner and the auditor", async () => {
      const { d, session } = await load("inRound1");
      const b = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
      const receipt = await relay(d, [b]);
      const origin = await originOf(d, session, B, receipt);
      assert.ok(!("verified" in origin), JSON.stringify(origin));
      const audited = await auditedOrigin(d, session, B, "submit");
      assert.equal(audited.signer, partyAt(session, B).address);
    });

    /** Anyone may call `batch`: a garbage-signed copy of B's action, then B's real one. */
    async function decoyFirst(d: Deployment, session: Session) {
      const b = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
      const receipt = await relay(d, [{ ...b, signature: filled(0x01, 65) }, b]);
      assert.deepEqual(
        eventsOf(receipt).map((e) => e.eventName),
        ["ActionRejected", "PayloadSubmitted"],
        "the contract rejected the decoy and recorded B's real item",
      );
      return receipt;
    }

    // Finding F1 (fixed): verifyActionOrigin and rebuildSession took the FIRST batch item whose
    // content matched the event, not the item the contract recorded. A decoy ahead of the real
    // item made B's landed action look forged to every honest runner (verifyView refused the
    // provider's view) and unsigned to the auditor. Both now try every matching item (the auditor
    // leaving out the ones the contract skipped or rejected), and only the party can sign.
    it("F1 (runner): a garbage-signed copy of B's action ahead of it leaves B's action verified", async () => {
      const { d, session } = await load("inRound1");
      const receipt = await decoyFirst(d, session);
      const origin = await originOf(d, session, B, receipt);
      assert.ok(!("verified" in origin), JSON.stringify(origin));
    });

    it("F1 (auditor): a garbage-signed copy of B's action ahead of it leaves B's action signed by B", async () => {
      const { d, session } = await load("inRound1");
      await decoyFirst(d, session);
      const audited = await auditedOrigin(d, session, B, "submit");
      assert.equal(audited.signer, partyAt(session, B).address);
    });

    // Finding F1, acceptance form (fixed): signedItemMatches ignores an acceptance's word, so a
    // decoy naming another config hash was taken for A's acceptance, and the auditor's
    // acceptance.config-hash check failed, saying A accepted another configuration.
    it("F1 (auditor): a decoy acceptance with another config hash ahead of A's does not fail acceptance.config-hash", async () => {
      const { d, session } = await load("created");
      const signed = await signFor(d, session, acceptAction(session, A));
      const receipt = await relay(d, [{ ...signed, word: filled(0x33, 32) }, signed]);
      assert.deepEqual(
        eventsOf(receipt).map((e) => e.eventName),
        ["ActionRejected", "PartyAccepted"],
      );
      const record = await rebuilt(d, session);
      // The check reads only the record; the rest of the context is not needed for it.
      const check = checkAcceptanceConfigHash({ record } as unknown as CheckContext);
      assert.equal(check.result.status, "pass", check.result.summary);
    });

    // Finding F2 (fixed): a stranger relays B's honest signed action through a contract of its own
    // (any forwarder, multicall or smart account): the contract records it, but the transaction
    // does not call Roundtable, so verifyActionOrigin answered "does not call the contract" and
    // every honest runner stopped on UNTRUSTED_READ. It now finds the inner call in the
    // provider's call trace (which only says where to look: the item's signature is checked).
    it("F2 (runner): B's action relayed through a stranger's forwarding contract is verified", async () => {
      const { d, session } = await load("inRound1");
      const b = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
      const forwarder = await deployHonestWallet(d, "batchPacking/forwarder");
      const receipt = await executeAs(d, forwarder, encodeBatchCall([b]));
      assert.ok(
        eventsOf(receipt).some((e) => e.eventName === "PayloadSubmitted"),
        "the contract recorded B's action",
      );
      const origin = await originOf(d, session, B, receipt);
      assert.ok(!("verified" in origin), JSON.stringify(origin));
    });

    it("F2 (runner): B's applySigned carried through a stranger's contract is verified from its calldata alone", async () => {
      const { d, session } = await load("inRound1");
      const b = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
      const forwarder = await deployHonestWallet(d, "batchPacking/forwarder single");
      const receipt = await executeAs(
        d,
        forwarder,
        encodeFunctionData({ abi: roundtableAbi, functionName: "applySigned", args: [b] }),
      );
      assert.ok(eventsOf(receipt).some((e) => e.eventName === "PayloadSubmitted"));
      // A provider that cannot trace: the action is still found, in the calldata its sender signed.
      const untraced = new Proxy(d.publicClient, {
        get(target, key, receiver) {
          if (key !== "request") return Reflect.get(target, key, receiver);
          return (args: { method: string }) => {
            if (args.method === "debug_traceTransaction") {
              return Promise.reject(new Error("the method debug_traceTransaction does not exist"));
            }
            return (target.request as (a: unknown) => Promise<unknown>)(args);
          };
        },
      }) as typeof d.publicClient;
      const origin = await originOf({ ...d, publicClient: untraced }, session, B, receipt);
      assert.ok(!("verified" in origin), JSON.stringify(origin));
      assert.equal((origin as { route: string }).route, "applySigned");
    });
  });
});
