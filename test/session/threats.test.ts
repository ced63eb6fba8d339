import assert from "node:assert/strict";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { network } from "hardhat";
import {
  type Address,
  concatHex,
  getAddress,
  type Hex,
  hexToBigInt,
  numberToHex,
  parseEventLogs,
  parseSignature,
  serializeCompactSignature,
  signatureToCompactSignature,
  type TransactionReceipt,
  zeroAddress,
  zeroHash,
} from "viem";
import { packBatchItems } from "../../src/sdk/batchCall.js";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { signAction } from "../../src/sdk/signAction.js";
import { AbortReason, Phase, SessionKind, type SignedAction, Status } from "../../src/sdk/types.js";
import {
  encryptionKeyOf,
  encryptionSecretOf,
  eoaParties,
  type Party,
} from "../helpers/accounts.js";
import { keyGenerationConfig, schedule, signingConfig } from "../helpers/configs.js";
import { bytesOf, keyGenerationSizes, messageDigest, roundPayloads } from "../helpers/payloads.js";
import {
  acceptAction,
  acceptArgs,
  acceptDirect,
  addressesOf,
  bitmap,
  commitDirect,
  createSession,
  type Deployment,
  deployRoundtable,
  fund,
  keyProofFor,
  mined,
  outcomeOf,
  partyAt,
  relay,
  roundtableError,
  type Session,
  sign,
  signFor,
  stateOf,
  submitAction,
  submitDirect,
} from "../helpers/roundtable.js";
import { actionFor, type PhaseStep, phasesOf, runPhase, runSession } from "../helpers/run.js";
import { auditTranscript, sessionEvents, transcriptFromEvents } from "../helpers/transcript.js";
import {
  acceptCalldata,
  arm,
  deployHonestWallet,
  deployHostileWallet,
  executeAs,
  submitCalldata,
  type WalletParty,
} from "../helpers/wallets.js";

const { viem, networkHelpers } = await network.create();
const { time } = networkHelpers;

type Connection = Deployment["connection"];

/** A 2-of-3 key generation's parties: A, B and C in index order. */
const trio = eoaParties("threats/trio", 3);
const [A, B, C] = [0, 1, 2];
const payloads = roundPayloads("threats", 3, keyGenerationSizes(3, 2));
const round1 = (party: number): Hex => payloads[0]![party]!;

/** The secp256k1 group order. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// ────────────────────────────────────────────────────────────────── fixtures

type Table = { d: Deployment; session: Session };

async function deployed(c: Connection): Promise<Deployment> {
  const d = await deployRoundtable(c);
  await fund(d, trio);
  return d;
}

async function created(c: Connection): Promise<Table> {
  const d = await deployed(c);
  return { d, session: await createSession(d, keyGenerationConfig(addressesOf(trio), 2), trio) };
}

/** Every party accepted: round 1 (Submitting) is open. */
async function inRound1(c: Connection): Promise<Table> {
  const { d, session } = await created(c);
  await runPhase(d, session, { kind: "accept" }, payloads, "direct");
  return { d, session };
}

/** Round 1 is commit-then-reveal; every party accepted: Committing is open. */
async function inCommit(c: Connection): Promise<Table> {
  const d = await deployed(c);
  const config = keyGenerationConfig(addressesOf(trio), 2, { rounds: schedule(3, [1]) });
  const session = await createSession(d, config, trio);
  await runPhase(d, session, { kind: "accept" }, payloads, "direct");
  return { d, session };
}

/** Every party committed in round 1: Revealing is open. */
async function inReveal(c: Connection): Promise<Table> {
  const { d, session } = await inCommit(c);
  await runPhase(d, session, { kind: "commit", round: 1 }, payloads, "direct");
  return { d, session };
}

/** Round 1 is complete: round 2 is open. */
async function inRound2(c: Connection): Promise<Table> {
  const { d, session } = await inRound1(c);
  await runPhase(d, session, { kind: "submit", round: 1 }, payloads, "direct");
  return { d, session };
}

/** A and B submitted in round 1; C has not. */
async function waitingForC(c: Connection): Promise<Table> {
  const { d, session } = await inRound1(c);
  await runPhase(d, session, { kind: "submit", round: 1 }, payloads, "batch", [A, B]);
  return { d, session };
}

/** Two sessions with the identical configuration, both in round 1. */
async function twins(c: Connection): Promise<{ d: Deployment; first: Session; second: Session }> {
  const d = await deployed(c);
  const config = keyGenerationConfig(addressesOf(trio), 2);
  const first = await createSession(d, config, trio);
  const second = await createSession(d, config, trio);
  for (const session of [first, second])
    await runPhase(d, session, { kind: "accept" }, payloads, "direct");
  return { d, first, second };
}

/** A finalized 2-of-3 key generation, for signing sessions. */
async function finalizedKey(c: Connection): Promise<Table> {
  const { d, session } = await created(c);
  await runSession(d, session, payloads, "batch");
  return { d, session };
}

// ─────────────────────────────────────────────────────────────────── helpers

function snapshotOf(d: Deployment, session: Session) {
  return Promise.all([stateOf(d, session), d.roundtable.read.transcriptOf([session.id])]);
}

function applySigned(d: Deployment, action: SignedAction) {
  return d.roundtable.write.applySigned([action], { account: d.relayer });
}

function eventsOf(receipt: TransactionReceipt) {
  return parseEventLogs({ abi: roundtableAbi, logs: receipt.logs, strict: true });
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

/** Flips the lowest bit of the last byte. */
function tamper(data: Hex): Hex {
  return `${data.slice(0, -2)}${(Number.parseInt(data.slice(-2), 16) ^ 1).toString(16).padStart(2, "0")}` as Hex;
}

async function deadlineOf(d: Deployment, session: Session): Promise<number> {
  return (await stateOf(d, session)).deadline;
}

function indexOf(session: Session, party: Party): number {
  return session.parties.findIndex((p) => p.address === party.address);
}

// ────────────────────────────────────────────────────────────────────── tests

describe("Roundtable", () => {
  describe("threats (THREATS.md)", () => {
    describe("S1: initiator shows parties different parameters", () => {
      it("S1: a party accepting another configuration hash is rejected with RoundtableConfigHashMismatch", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const shown = hashSessionConfig({ ...session.config, threshold: 3 });
        const { signer } = partyAt(session, B);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(acceptArgs(session, B, { configHash: shown }), {
            account: signer,
          }),
          d.roundtable,
          "RoundtableConfigHashMismatch",
          [session.id, session.configHash, shown],
        );
      });

      it("S1: a relayed acceptance signed over another configuration hash is rejected", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const shown = hashSessionConfig({
          ...session.config,
          parties: [...session.config.parties].reverse(),
        });
        const signed = await signFor(d, session, { ...acceptAction(session, C), word: shown });
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, signed),
          d.roundtable,
          "RoundtableConfigHashMismatch",
          [session.id, session.configHash, shown],
        );
      });

      it("S1: the hash a party recomputes from SessionCreated is the one that it can accept", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const [event] = (await sessionEvents(d, session.id)).filter(
          (e) => e.eventName === "SessionCreated",
        );
        assert.ok(event?.eventName === "SessionCreated");
        const recomputed = hashSessionConfig(event.args.config);
        const { signer, encryptionKey } = partyAt(session, A);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.accept(acceptArgs(session, A, { configHash: recomputed }), {
            account: signer,
          }),
          d.roundtable,
          "PartyAccepted",
          [session.id, signer.address, A, encryptionKey, zeroAddress],
        );
      });

      it("S1: the session does not start while one party has not accepted", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        await runPhase(d, session, { kind: "accept" }, payloads, "direct", [A, C]);
        const state = await stateOf(d, session);
        assert.deepEqual(
          [state.phase, state.round, state.acted],
          [Phase.Accepting, 0, bitmap(A, C)],
        );
      });
    });

    describe("S2: forged or modified party messages", () => {
      it("S2: a relayed submission whose payload was modified is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, B, 1, round1(B)));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, data: tamper(signed.data) }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, B, partyAt(session, B).address],
        );
      });

      it("S2: a relayed commitment that was modified is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inCommit);
        const action = actionFor(session, { kind: "commit", round: 1 }, A, payloads);
        const signed = await signFor(d, session, action);
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, word: tamper(signed.word) }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });

      it("S2: an action signed by another party is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const forged = await sign(
          d,
          partyAt(session, C),
          submitAction(session.id, A, 1, round1(A)),
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, forged),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });

      it("S2: a party submitting directly in another party's slot is rejected with RoundtableUnauthorized", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, A, 1, round1(A)], {
            account: partyAt(session, C).signer,
          }),
          d.roundtable,
          "RoundtableUnauthorized",
          [session.id, A, partyAt(session, A).address, partyAt(session, C).address],
        );
      });

      it("S2: an unsigned action relayed through applySigned is rejected with RoundtableMissingSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...submitAction(session.id, A, 1, round1(A)), signature: "0x" }),
          d.roundtable,
          "RoundtableMissingSignature",
          [session.id, A],
        );
      });

      it("S2: a modified item in a batch is rejected with ActionRejected and the other items land", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await Promise.all(
          [A, B, C].map((p) => signFor(d, session, submitAction(session.id, p, 1, round1(p)))),
        );
        signed[B] = { ...signed[B]!, data: tamper(signed[B]!.data) };
        const receipt = await relay(d, signed);
        const events = eventsOf(receipt);
        assert.deepEqual(
          events.filter((e) => e.eventName === "ActionRejected").map((e) => e.args),
          [
            {
              sessionId: session.id,
              item: 1n,
              party: B,
              reason: roundtableError("RoundtableInvalidSignature", [
                session.id,
                B,
                partyAt(session, B).address,
              ]),
            },
          ],
        );
        assert.deepEqual(
          events.flatMap((e) =>
            e.eventName === "PayloadSubmitted" ? [[e.args.index, e.args.payload]] : [],
          ),
          [
            [A, round1(A)],
            [C, round1(C)],
          ],
        );
      });
    });

    describe("S3: messages selectively dropped", () => {
      it("S3: when a relayer drops party C, C submits directly and the session completes", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        await submitDirect(d, session, C, 1, round1(C));
        for (const phase of phasesOf(session).slice(2))
          await runPhase(d, session, phase, payloads, "batch");
        assert.equal((await stateOf(d, session)).phase, Phase.Finalized);
        assert.equal(await d.roundtable.read.resultOf([session.id]), payloads[2]![0]);
      });

      it("S3: C's direct submission lands with the same event a relayed one would have", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.submit([session.id, C, 1, round1(C)], {
            account: partyAt(session, C).signer,
          }),
          d.roundtable,
          "PayloadSubmitted",
          [session.id, partyAt(session, C).address, C, 1, round1(C)],
        );
      });

      it("S3: if C stays silent, expire after the deadline blames exactly C", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        const transcript = await d.roundtable.read.transcriptOf([session.id]);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.expire([session.id], { account: d.outsider }),
          d.roundtable,
          "SessionAborted",
          [session.id, AbortReason.Expired, bitmap(C), transcript],
        );
      });

      it("S3: expire before the deadline is rejected with RoundtableDeadlineNotPassed", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        const deadline = await deadlineOf(d, session);
        await time.setNextBlockTimestamp(deadline);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.expire([session.id], { account: d.outsider }),
          d.roundtable,
          "RoundtableDeadlineNotPassed",
          [session.id, BigInt(deadline), BigInt(deadline)],
        );
      });

      it("S3: once expired, the session is Aborted and rejects C's late submission with RoundtableSessionClosed", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        await mined(d, d.roundtable.write.expire([session.id], { account: d.outsider }));
        assert.equal((await stateOf(d, session)).phase, Phase.Aborted);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, C, 1, round1(C)], {
            account: partyAt(session, C).signer,
          }),
          d.roundtable,
          "RoundtableSessionClosed",
          [session.id, Status.Aborted],
        );
      });
    });

    describe("S4: key exchange intercepted", () => {
      it("S4: a relayed acceptance whose encryption key the relayer swapped is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const signed = await signFor(d, session, acceptAction(session, B));
        // The relayer's own key, with a valid proof for B's slot: only B's signature refuses it.
        const { data: relayersData } = acceptAction(session, B, {
          encryptionKey: encryptionKeyOf("threats/relayer"),
          keyProof: keyProofFor(session, B, encryptionSecretOf("threats/relayer")),
        });
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, data: relayersData }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, B, partyAt(session, B).address],
        );
      });

      it("S4: a relayed acceptance registers exactly the key its party signed", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const signed = await signFor(d, session, acceptAction(session, B));
        await viem.assertions.emitWithArgs(applySigned(d, signed), d.roundtable, "PartyAccepted", [
          session.id,
          partyAt(session, B).address,
          B,
          partyAt(session, B).encryptionKey,
          zeroAddress,
        ]);
      });

      it("S4: a party cannot register an encryption key for another party: RoundtableUnauthorized", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const intruder = partyAt(session, A);
        // The intruder's own key, proven for C's slot: only the sender check refuses it.
        const args = acceptArgs(session, C, {
          encryptionKey: intruder.encryptionKey,
          keyProof: keyProofFor(session, C, intruder.encryptionSecret),
        });
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(args, { account: intruder.signer }),
          d.roundtable,
          "RoundtableUnauthorized",
          [session.id, C, partyAt(session, C).address, intruder.address],
        );
      });

      it("S4: a party registering a copy of another party's key, with that party's proof, is rejected with RoundtableInvalidKeyProof", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const copied = partyAt(session, A).encryptionKey;
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(
            acceptArgs(session, C, { encryptionKey: copied, keyProof: keyProofFor(session, A) }),
            { account: partyAt(session, C).signer },
          ),
          d.roundtable,
          "RoundtableInvalidKeyProof",
          [session.id, C, `0x${copied.slice(4)}`],
        );
      });

      it("S4: the generator as an encryption key (secret 1) is rejected with RoundtableKnownEncryptionKey", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const one = new Uint8Array(32);
        one[31] = 1;
        const generator = secp256k1.Point.BASE.toHex(true);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(
            acceptArgs(session, A, {
              encryptionKey: `0x${generator}`,
              keyProof: keyProofFor(session, A, one),
            }),
            { account: partyAt(session, A).signer },
          ),
          d.roundtable,
          "RoundtableKnownEncryptionKey",
          [session.id, A, `0x${generator.slice(2)}`],
        );
      });

      it("S4: a party cannot replace its registered key: a second acceptance is RoundtableAlreadyActed", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        await acceptDirect(d, session, A);
        const { signer } = partyAt(session, A);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(
            acceptArgs(session, A, {
              encryptionKey: encryptionKeyOf("threats/second key"),
              keyProof: keyProofFor(session, A, encryptionSecretOf("threats/second key")),
            }),
            { account: signer },
          ),
          d.roundtable,
          "RoundtableAlreadyActed",
          [session.id, 0, A],
        );
      });

      it("S4: an uncompressed (65-byte) key is rejected with RoundtableInvalidEncryptionKey", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const uncompressed = concatHex(["0x04", bytesOf("threats/uncompressed", 64)]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(acceptArgs(session, A, { encryptionKey: uncompressed }), {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableInvalidEncryptionKey",
          [session.id, A, 65n],
        );
      });

      it("S4: a 33-byte key without a 0x02 or 0x03 prefix is rejected with RoundtableInvalidEncryptionKey", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const badPrefix = concatHex(["0x04", bytesOf("threats/prefix", 32)]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(acceptArgs(session, A, { encryptionKey: badPrefix }), {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableInvalidEncryptionKey",
          [session.id, A, 33n],
        );
      });
    });

    describe("S5: initiator owns the only log", () => {
      type Audited = { d: Deployment; sessions: Record<string, bigint> };

      /** One deployment with sessions that ended every way a session can end, their actions interleaved. */
      async function manySessions(c: Connection): Promise<Audited> {
        const d = await deployed(c);
        const config = keyGenerationConfig(addressesOf(trio), 2);
        const keygen = await createSession(d, config, trio);
        const idle = await createSession(d, config, trio);
        const complained = await createSession(d, config, trio);
        const disagreed = await createSession(d, config, trio);
        const unrevealed = await createSession(
          d,
          keyGenerationConfig(addressesOf(trio), 2, { rounds: schedule(3, [1]) }),
          trio,
        );
        const cancelled = await createSession(d, config, trio);

        await runPhase(d, idle, { kind: "accept" }, payloads, "direct", [A, C]);
        await runSession(d, keygen, payloads, "batch");
        const signers = [trio[A]!, trio[C]!];
        const signingSession = await createSession(
          d,
          signingConfig(keygen.id, addressesOf(signers), 2, messageDigest("threats/S5")),
          signers,
        );
        await runSession(
          d,
          signingSession,
          roundPayloads("threats/S5/sign", 2, [66, 32, 64]),
          "direct",
        );

        for (const phase of phasesOf(complained).slice(0, 2))
          await runPhase(d, complained, phase, payloads, "direct");
        await runPhase(d, complained, { kind: "submit", round: 2 }, payloads, "direct", [A]);
        await mined(
          d,
          d.roundtable.write.complain([complained.id, B, 2, A, bytesOf("threats/evidence", 97)], {
            account: partyAt(complained, B).signer,
          }),
        );

        const split = payloads.map((round, r) =>
          r === 2 ? [round[0]!, round[1]!, encryptionKeyOf("other")] : round,
        );
        await runSession(d, disagreed, split, "direct");

        for (const phase of phasesOf(unrevealed).slice(0, 2))
          await runPhase(d, unrevealed, phase, payloads, "batch");
        await runPhase(d, unrevealed, { kind: "reveal", round: 1 }, payloads, "direct", [B]);

        await mined(d, d.roundtable.write.cancel([cancelled.id], { account: d.initiator }));

        await time.increase(2 * 86_400);
        await mined(d, d.roundtable.write.expire([idle.id], { account: d.outsider }));
        await mined(d, d.roundtable.write.expire([unrevealed.id], { account: d.outsider }));

        return {
          d,
          sessions: {
            "a finalized key generation": keygen.id,
            "a finalized signing": signingSession.id,
            "an acceptance that expired": idle.id,
            "a session aborted by a complaint": complained.id,
            "a session aborted by disagreement": disagreed.id,
            "a reveal that expired": unrevealed.id,
            "a cancelled session": cancelled.id,
          },
        };
      }

      const kinds = [
        "a finalized key generation",
        "a finalized signing",
        "an acceptance that expired",
        "a session aborted by a complaint",
        "a session aborted by disagreement",
        "a reveal that expired",
        "a cancelled session",
      ];

      for (const kind of kinds) {
        it(`S5: the auditor's transcript from events alone equals transcriptOf for ${kind}`, async () => {
          const { d, sessions } = await networkHelpers.loadFixture(manySessions);
          const id = sessions[kind]!;
          const events = await sessionEvents(d, id);
          const onChain = await d.roundtable.read.transcriptOf([id]);
          assert.equal(transcriptFromEvents(events), onChain);
          const terminal = events.findLast(
            (e) => e.eventName === "SessionFinalized" || e.eventName === "SessionAborted",
          );
          if (
            terminal?.eventName === "SessionFinalized" ||
            terminal?.eventName === "SessionAborted"
          ) {
            assert.equal(terminal.args.transcript, onChain);
          } else {
            assert.equal(
              onChain,
              zeroHash,
              "only a session nobody acted in ends without a terminal transcript",
            );
          }
        });
      }

      it("S5: every session ended in the state the auditor expects", async () => {
        const { d, sessions } = await networkHelpers.loadFixture(manySessions);
        const phases = await Promise.all(
          kinds.map(async (k) => (await d.roundtable.read.sessionState([sessions[k]!])).phase),
        );
        assert.deepEqual(phases, [
          Phase.Finalized,
          Phase.Finalized,
          Phase.Aborted,
          Phase.Aborted,
          Phase.Aborted,
          Phase.Aborted,
          Phase.Cancelled,
        ]);
      });

      it("S5: a log with one payload altered no longer matches transcriptOf", async () => {
        const { d, sessions } = await networkHelpers.loadFixture(manySessions);
        const id = sessions["a finalized key generation"]!;
        const events = await sessionEvents(d, id);
        const at = events.findIndex((e) => e.eventName === "PayloadSubmitted");
        const original = events[at];
        assert.ok(original?.eventName === "PayloadSubmitted");
        const altered = [...events];
        altered[at] = {
          ...original,
          args: { ...original.args, payload: tamper(original.args.payload) },
        };
        assert.notEqual(transcriptFromEvents(altered), await d.roundtable.read.transcriptOf([id]));
      });

      it("S5: a log with one action left out no longer matches transcriptOf", async () => {
        const { d, sessions } = await networkHelpers.loadFixture(manySessions);
        const id = sessions["a finalized signing"]!;
        const events = await sessionEvents(d, id);
        const at = events.findLastIndex((e) => e.eventName === "PayloadSubmitted");
        const dropped = events.filter((_, i) => i !== at);
        assert.notEqual(transcriptFromEvents(dropped), await d.roundtable.read.transcriptOf([id]));
      });
    });

    describe("S6: initiator crash ends the session", () => {
      async function finishedWithoutInitiator(c: Connection): Promise<Table> {
        const { d, session } = await created(c);
        await runSession(d, session, payloads, "direct");
        return { d, session };
      }

      it("S6: after creation the initiator sends nothing and the parties complete the session", async () => {
        const { d, session } = await networkHelpers.loadFixture(finishedWithoutInitiator);
        const latest = await d.publicClient.getBlockNumber();
        const senders: Address[] = [];
        for (let n = session.receipt.blockNumber + 1n; n <= latest; n++) {
          const block = await d.publicClient.getBlock({
            blockNumber: n,
            includeTransactions: true,
          });
          senders.push(...block.transactions.map((tx) => getAddress(tx.from)));
        }
        assert.ok(senders.length > 0 && !senders.includes(d.initiator));
        assert.equal((await stateOf(d, session)).phase, Phase.Finalized);
      });

      it("S6: the initiator cannot cancel after the session started: RoundtableUnexpectedPhase", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.cancel([session.id], { account: d.initiator }),
          d.roundtable,
          "RoundtableUnexpectedPhase",
          [session.id, Phase.Submitting, Phase.Accepting],
        );
      });

      it("S6: the initiator cannot cancel a finalized session: RoundtableSessionClosed", async () => {
        const { d, session } = await networkHelpers.loadFixture(finishedWithoutInitiator);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.cancel([session.id], { account: d.initiator }),
          d.roundtable,
          "RoundtableSessionClosed",
          [session.id, Status.Finalized],
        );
      });

      it("S6: nobody but the initiator may cancel before the start: RoundtableNotInitiator", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.cancel([session.id], { account: partyAt(session, A).signer }),
          d.roundtable,
          "RoundtableNotInitiator",
          [session.id, d.initiator, partyAt(session, A).address],
        );
      });

      it("S6: the initiator may cancel before the start, after which no party can accept", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.cancel([session.id], { account: d.initiator }),
          d.roundtable,
          "SessionCancelled",
          [session.id],
        );
        const { signer } = partyAt(session, A);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.accept(acceptArgs(session, A), { account: signer }),
          d.roundtable,
          "RoundtableSessionClosed",
          [session.id, Status.Cancelled],
        );
      });

      it("S6: anyone, not only the initiator, may expire a stalled session", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.expire([session.id], { account: partyAt(session, B).signer }),
          d.roundtable,
          "SessionAborted",
          [session.id, AbortReason.Expired, bitmap(A, B, C), zeroHash],
        );
      });
    });

    describe("C1: signature replay", () => {
      it("C1: a signed submission replayed on another session with the same parties is rejected", async () => {
        const { d, first, second } = await networkHelpers.loadFixture(twins);
        const signed = await signFor(d, first, submitAction(first.id, A, 1, round1(A)));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, sessionId: second.id }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [second.id, A, partyAt(second, A).address],
        );
      });

      it("C1: an acceptance replayed on a session with the identical configuration is rejected", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const config = keyGenerationConfig(addressesOf(trio), 2);
        const first = await createSession(d, config, trio);
        const second = await createSession(d, config, trio);
        assert.equal(first.configHash, second.configHash);
        const signed = await signFor(d, first, acceptAction(first, A));
        // Even with a key proof made afresh for the second session, the signature does not carry over.
        const { data } = acceptAction(second, A);
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, sessionId: second.id, data }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [second.id, A, partyAt(second, A).address],
        );
      });

      it("C1: an acceptance replayed verbatim on another session is rejected by its key proof", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const config = keyGenerationConfig(addressesOf(trio), 2);
        const first = await createSession(d, config, trio);
        const second = await createSession(d, config, trio);
        const signed = await signFor(d, first, acceptAction(first, A));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, sessionId: second.id }),
          d.roundtable,
          "RoundtableInvalidKeyProof",
          [second.id, A, `0x${partyAt(second, A).encryptionKey.slice(4)}`],
        );
      });

      it("C1: a signed round-1 submission replayed in round 2 is rejected", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound2);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, round: 2 }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });

      it("C1: an action signed for one deployment is rejected by a second deployment", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const other = await deployRoundtable(d.connection);
        const twin = await createSession(other, session.config, trio);
        await runPhase(other, twin, { kind: "accept" }, payloads, "direct");
        assert.equal(twin.id, session.id);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        await viem.assertions.revertWithCustomErrorWithArgs(
          other.roundtable.write.applySigned([signed], { account: other.relayer }),
          other.roundtable,
          "RoundtableInvalidSignature",
          [twin.id, A, partyAt(twin, A).address],
        );
      });

      it("C1: an action signed for another chain is rejected", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signAction({
          account: partyAt(session, A).signer,
          chainId: 1,
          contract: d.roundtable.address,
          action: submitAction(session.id, A, 1, round1(A)),
        });
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, signed),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });

      it("C1: a signed action applied a second time is rejected with RoundtableAlreadyActed", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        await mined(d, applySigned(d, signed));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, signed),
          d.roundtable,
          "RoundtableAlreadyActed",
          [session.id, 1, A],
        );
      });

      it("C1: a second direct submission to a filled slot is rejected with RoundtableAlreadyActed", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await submitDirect(d, session, B, 1, round1(B));
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, B, 1, bytesOf("threats/second", 131)], {
            account: partyAt(session, B).signer,
          }),
          d.roundtable,
          "RoundtableAlreadyActed",
          [session.id, 1, B],
        );
      });

      it("C1: a submission for a round that is not open is rejected with RoundtableUnexpectedRound", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, B, 2, payloads[1]![B]!], {
            account: partyAt(session, B).signer,
          }),
          d.roundtable,
          "RoundtableUnexpectedRound",
          [session.id, 1, 2],
        );
      });
    });

    describe("C2: malleable signatures", () => {
      it("C2: a high-s signature (r, n − s, v flipped) is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, signature: highS(signed.signature) }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });

      it("C2: the high-s twin recovers the party's address with the raw ecrecover precompile", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        const digest = await d.roundtable.read.digestOf([signed]);
        const { r, s, v } = parseSignature(highS(signed.signature));
        const input = concatHex([digest, numberToHex(v ?? 0n, { size: 32 }), r, s]);
        const { data } = await d.publicClient.call({
          to: "0x0000000000000000000000000000000000000001",
          data: input,
        });
        assert.equal(getAddress(`0x${data?.slice(-40)}`), partyAt(session, A).address);
      });

      it("C2: the same signature in low-s form is accepted", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        await viem.assertions.emitWithArgs(
          applySigned(d, signed),
          d.roundtable,
          "PayloadSubmitted",
          [session.id, partyAt(session, A).address, A, 1, round1(A)],
        );
      });

      it("C2: a 64-byte compact (ERC-2098) signature is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        const compact = serializeCompactSignature(
          signatureToCompactSignature(parseSignature(signed.signature)),
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, { ...signed, signature: compact }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });

      it("C2: a signature with v = 0 instead of 27 or 28 is rejected with RoundtableInvalidSignature", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await signFor(d, session, submitAction(session.id, A, 1, round1(A)));
        const { r, s, yParity } = parseSignature(signed.signature);
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, {
            ...signed,
            signature: concatHex([r, s, numberToHex(yParity, { size: 1 })]),
          }),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, A, partyAt(session, A).address],
        );
      });
    });

    describe("C3: copying another party's commitment", () => {
      it("C3: a party that copied another's commitment cannot reveal: RoundtableCommitmentMismatch", async () => {
        const { d, session } = await networkHelpers.loadFixture(inCommit);
        const honest = commitmentOf(session.id, 1, partyAt(session, A).address, round1(A));
        await commitDirect(d, session, A, 1, honest);
        await commitDirect(d, session, B, 1, honest);
        await runPhase(d, session, { kind: "commit", round: 1 }, payloads, "direct", [C]);
        await submitDirect(d, session, A, 1, round1(A));
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, B, 1, round1(A)], {
            account: partyAt(session, B).signer,
          }),
          d.roundtable,
          "RoundtableCommitmentMismatch",
          [
            session.id,
            B,
            honest,
            commitmentOf(session.id, 1, partyAt(session, B).address, round1(A)),
          ],
        );
      });

      it("C3: a party cannot reveal a payload other than the one it committed", async () => {
        const { d, session } = await networkHelpers.loadFixture(inReveal);
        const committed = commitmentOf(session.id, 1, partyAt(session, B).address, round1(B));
        const other = bytesOf("threats/other reveal", 131);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, B, 1, other], {
            account: partyAt(session, B).signer,
          }),
          d.roundtable,
          "RoundtableCommitmentMismatch",
          [
            session.id,
            B,
            committed,
            commitmentOf(session.id, 1, partyAt(session, B).address, other),
          ],
        );
      });

      it("C3: reveals are refused until every commitment is in: RoundtableUnexpectedPhase", async () => {
        const { d, session } = await networkHelpers.loadFixture(inCommit);
        await runPhase(d, session, { kind: "commit", round: 1 }, payloads, "direct", [A, B]);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, A, 1, round1(A)], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableUnexpectedPhase",
          [session.id, Phase.Committing, Phase.Revealing],
        );
      });

      it("C3: a zero commitment is rejected with RoundtableEmptyCommitment", async () => {
        const { d, session } = await networkHelpers.loadFixture(inCommit);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.commit([session.id, A, 1, zeroHash], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableEmptyCommitment",
          [session.id, A],
        );
      });

      it("C3: a commitment in a round without commit-reveal is rejected with RoundtableUnexpectedPhase", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.commit([session.id, A, 1, bytesOf("threats/commit", 32)], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableUnexpectedPhase",
          [session.id, Phase.Submitting, Phase.Committing],
        );
      });
    });

    describe("C4: oversized payloads", () => {
      it("C4: a payload of 16,385 bytes is rejected with RoundtableInvalidPayloadLength(16385, 1, 16384)", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, A, 1, bytesOf("threats/oversized", 16_385)], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableInvalidPayloadLength",
          [16_385n, 1n, 16_384n],
        );
      });

      it("C4: a payload of exactly 16,384 bytes is accepted", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const largest = bytesOf("threats/largest", 16_384);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.submit([session.id, A, 1, largest], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "PayloadSubmitted",
          [session.id, partyAt(session, A).address, A, 1, largest],
        );
      });

      it("C4: an empty payload is rejected with RoundtableInvalidPayloadLength(0, 1, 16384)", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, A, 1, "0x"], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableInvalidPayloadLength",
          [0n, 1n, 16_384n],
        );
      });

      it("C4: an agreement result of 97 bytes is rejected with RoundtableInvalidPayloadLength(97, 1, 96)", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound2);
        await runPhase(d, session, { kind: "submit", round: 2 }, payloads, "batch");
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, A, 3, bytesOf("threats/result", 97)], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableInvalidPayloadLength",
          [97n, 1n, 96n],
        );
      });

      it("C4: complaint evidence of 16,385 bytes is rejected with RoundtableInvalidPayloadLength", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound2);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.complain([session.id, A, 2, B, bytesOf("threats/evidence", 16_385)], {
            account: partyAt(session, A).signer,
          }),
          d.roundtable,
          "RoundtableInvalidPayloadLength",
          [16_385n, 1n, 16_384n],
        );
      });

      it("C4: params of 1,025 bytes are rejected with RoundtableParamsTooLarge(1025, 1024)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const config = keyGenerationConfig(addressesOf(trio), 2, {
          params: bytesOf("threats/params", 1025),
        });
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.createSession([config], { account: d.initiator }),
          d.roundtable,
          "RoundtableParamsTooLarge",
          [1025n, 1024n],
        );
      });
    });

    describe("C5: a party never reveals", () => {
      it("C5: a party that never reveals is blamed alone when the session expires", async () => {
        const { d, session } = await networkHelpers.loadFixture(inReveal);
        await runPhase(d, session, { kind: "reveal", round: 1 }, payloads, "direct", [A, C]);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        const transcript = await d.roundtable.read.transcriptOf([session.id]);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.expire([session.id], { account: d.outsider }),
          d.roundtable,
          "SessionAborted",
          [session.id, AbortReason.Expired, bitmap(B), transcript],
        );
      });

      it("C5: a party that never commits is blamed alone when the session expires", async () => {
        const { d, session } = await networkHelpers.loadFixture(inCommit);
        await runPhase(d, session, { kind: "commit", round: 1 }, payloads, "batch", [B, C]);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        const transcript = await d.roundtable.read.transcriptOf([session.id]);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.expire([session.id], { account: d.outsider }),
          d.roundtable,
          "SessionAborted",
          [session.id, AbortReason.Expired, bitmap(A), transcript],
        );
      });

      it("C5: expiry blames every party that did not reveal, and only those", async () => {
        const { d, session } = await networkHelpers.loadFixture(inReveal);
        await runPhase(d, session, { kind: "reveal", round: 1 }, payloads, "direct", [B]);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        const transcript = await d.roundtable.read.transcriptOf([session.id]);
        await viem.assertions.emitWithArgs(
          d.roundtable.write.expire([session.id], { account: d.outsider }),
          d.roundtable,
          "SessionAborted",
          [session.id, AbortReason.Expired, bitmap(A, C), transcript],
        );
      });

      it("C5: sessionState reports Expired, with who revealed, once the deadline has passed", async () => {
        const { d, session } = await networkHelpers.loadFixture(inReveal);
        await runPhase(d, session, { kind: "reveal", round: 1 }, payloads, "direct", [A, C]);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        const state = await stateOf(d, session);
        assert.deepEqual([state.phase, state.round, state.acted], [Phase.Expired, 1, bitmap(A, C)]);
      });

      it("C5: the late reveal after the deadline is rejected with RoundtableDeadlinePassed", async () => {
        const { d, session } = await networkHelpers.loadFixture(inReveal);
        const deadline = await deadlineOf(d, session);
        await time.setNextBlockTimestamp(deadline + 1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, B, 1, round1(B)], {
            account: partyAt(session, B).signer,
          }),
          d.roundtable,
          "RoundtableDeadlinePassed",
          [session.id, BigInt(deadline), BigInt(deadline + 1)],
        );
      });

      it("C5: a second expire is rejected with RoundtableSessionClosed", async () => {
        const { d, session } = await networkHelpers.loadFixture(inReveal);
        await time.increaseTo((await deadlineOf(d, session)) + 1);
        await mined(d, d.roundtable.write.expire([session.id], { account: d.outsider }));
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.expire([session.id], { account: d.outsider }),
          d.roundtable,
          "RoundtableSessionClosed",
          [session.id, Status.Aborted],
        );
      });
    });

    describe("C6: block gas limit at large n", () => {
      const MAX = 255;
      const T255 = 128;
      const BOUND = 5_000_000n;
      type Large = {
        d: Deployment;
        session: Session;
        parties: Party[];
        round2: Hex[];
        /** The last acceptance (it opens round 1) and the last round-1 payload (it opens round 2), relayed. */
        lastAccept: TransactionReceipt;
        lastRound1: TransactionReceipt;
      };

      /**
       * A 128-of-255 key generation through round 1: all but the last party's actions relayed in batches,
       * the last party's (which opens the next phase, the costliest) relayed alone and measured.
       */
      async function largeSession(c: Connection): Promise<Large> {
        const d = await deployRoundtable(c);
        const parties = eoaParties("threats/255", MAX);
        const config = keyGenerationConfig(addressesOf(parties), T255);
        const session = await createSession(d, config, parties);
        const big = roundPayloads("threats/255", MAX, keyGenerationSizes(MAX, T255));
        const relayAll = async (phase: PhaseStep, chunk: number) => {
          const signed = await Promise.all(
            parties.map((_, p) => signFor(d, session, actionFor(session, phase, p, big))),
          );
          for (let i = 0; i < MAX - 1; i += chunk) {
            await relay(d, signed.slice(i, Math.min(i + chunk, MAX - 1)));
          }
          return mined(d, applySigned(d, signed[MAX - 1]!));
        };
        const lastAccept = await relayAll({ kind: "accept" }, 64);
        const lastRound1 = await relayAll({ kind: "submit", round: 1 }, 32);
        return { d, session, parties, round2: big[1]!, lastAccept, lastRound1 };
      }

      /** EIP-7623's calldata floor, 21,000 + 10 per token (4 per non-zero byte, 1 per zero byte). */
      async function calldataFloor(d: Deployment, receipt: TransactionReceipt): Promise<bigint> {
        const { input } = await d.publicClient.getTransaction({ hash: receipt.transactionHash });
        let tokens = 0n;
        for (let i = 2; i < input.length; i += 2)
          tokens += input.slice(i, i + 2) === "00" ? 1n : 4n;
        return 21_000n + 10n * tokens;
      }

      async function report(
        d: Deployment,
        what: string,
        receipt: TransactionReceipt,
      ): Promise<void> {
        const floor = await calldataFloor(d, receipt);
        const note =
          receipt.gasUsed === floor ? " (= EIP-7623 calldata floor)" : ` (calldata floor ${floor})`;
        console.log(`      gas: ${what}: ${receipt.gasUsed}${note}`);
        assert.ok(receipt.gasUsed < BOUND, `${what}: ${receipt.gasUsed} ≥ ${BOUND}`);
      }

      it("C6: creating a 255-party session uses under 5,000,000 gas", async () => {
        const { d, session } = await networkHelpers.loadFixture(largeSession);
        await report(d, "createSession, n = 255", session.receipt);
      });

      it("C6: the last acceptance at n = 255, which opens round 1, uses under 5,000,000 gas", async () => {
        const { d, lastAccept } = await networkHelpers.loadFixture(largeSession);
        await report(d, "applySigned Accept, last of 255 (opens round 1)", lastAccept);
      });

      it("C6: the last round-1 submission at t = 128 (4,289 bytes), which opens round 2, uses under 5,000,000 gas", async () => {
        const { d, lastRound1 } = await networkHelpers.loadFixture(largeSession);
        await report(
          d,
          "applySigned round 1 (4,289 bytes), last of 255 (opens round 2)",
          lastRound1,
        );
      });

      it("C6: the largest round-2 submissions (48 × 254 bytes), relayed or direct, first or last, use under 5,000,000 gas", async () => {
        const { d, session, round2 } = await networkHelpers.loadFixture(largeSession);
        assert.equal((round2[0]!.length - 2) / 2, 48 * 254);
        const signed = await Promise.all(
          round2.map((payload, p) => signFor(d, session, submitAction(session.id, p, 2, payload))),
        );
        await report(
          d,
          "applySigned round 2 (12,192 bytes), first of 255",
          await mined(d, applySigned(d, signed[0]!)),
        );
        await fund(d, [partyAt(session, 1)]);
        await report(
          d,
          "submit round 2 (12,192 bytes), direct",
          await submitDirect(d, session, 1, 2, round2[1]!),
        );
        for (let i = 2; i < MAX - 1; i += 16)
          await relay(d, signed.slice(i, Math.min(i + 16, MAX - 1)));
        const last = await mined(d, applySigned(d, signed[MAX - 1]!));
        await report(d, "applySigned round 2 (12,192 bytes), last of 255 (opens agreement)", last);
        assert.equal((await stateOf(d, session)).phase, Phase.Agreeing);
      });
    });

    describe("C7: re-entry through an ERC-1271 signer", () => {
      type WithWallet = Table & { wallet: WalletParty; index: number };

      async function sessionWith(
        c: Connection,
        wallet: (d: Deployment) => Promise<WalletParty>,
      ): Promise<WithWallet> {
        const d = await deployed(c);
        const w = await wallet(d);
        const known = [w, trio[A]!, trio[B]!];
        const session = await createSession(d, keyGenerationConfig(addressesOf(known), 2), known);
        return { d, session, wallet: w, index: indexOf(session, w) };
      }

      /** A hostile wallet party, not yet armed, in a session still accepting. */
      const hostileCreated = (c: Connection) =>
        sessionWith(c, (d) => deployHostileWallet(d, "threats/hostile"));

      /** The same, every party accepted (the unarmed hostile wallet answers honestly). */
      async function hostileInRound1(c: Connection): Promise<WithWallet> {
        const t = await hostileCreated(c);
        await runPhase(t.d, t.session, { kind: "accept" }, payloads, "batch");
        return t;
      }

      /** An honest wallet party, owned by an EOA, in a session still accepting. */
      const honestCreated = (c: Connection) =>
        sessionWith(c, (d) => deployHonestWallet(d, "threats/honest"));

      // A state change inside the contract's staticcall halts the wallet's frame, spending all the
      // gas it was given: the rejection names the allowance (RoundtableWalletAllowanceSpent).
      it("C7: a hostile wallet re-entering while its signature is checked is rejected, its allowance spent", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(hostileInRound1);
        const other = bytesOf("threats/reentered", 131);
        await arm(d, wallet, submitCalldata(session.id, index, 1, other), false);
        const signed = await signFor(d, session, submitAction(session.id, index, 1, round1(index)));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, signed),
          d.roundtable,
          "RoundtableWalletAllowanceSpent",
          [session.id, index, wallet.address, 500_000n],
        );
      });

      it("C7: the rejected re-entry leaves the session's state and transcript unchanged", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(hostileInRound1);
        await arm(
          d,
          wallet,
          submitCalldata(session.id, index, 1, bytesOf("threats/reentered", 131)),
          false,
        );
        const before = await snapshotOf(d, session);
        const signed = await signFor(d, session, submitAction(session.id, index, 1, round1(index)));
        assert.equal(await outcomeOf(d, applySigned(d, signed)), "RoundtableWalletAllowanceSpent");
        assert.deepEqual(await snapshotOf(d, session), before);
      });

      it("C7: a hostile wallet re-entering to accept during its own relayed acceptance is rejected", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(hostileCreated);
        await arm(
          d,
          wallet,
          acceptCalldata(
            session.id,
            index,
            session.configHash,
            wallet.encryptionKey,
            keyProofFor(session, index),
          ),
          false,
        );
        const signed = await signFor(d, session, acceptAction(session, index));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, signed),
          d.roundtable,
          "RoundtableWalletAllowanceSpent",
          [session.id, index, wallet.address, 500_000n],
        );
        const [state, transcript] = await snapshotOf(d, session);
        assert.deepEqual([state.acted, transcript], [0n, zeroHash]);
      });

      it("C7: a re-entry whose failure the wallet ignores has no effect: the signed payload lands once", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(hostileInRound1);
        const other = bytesOf("threats/reentered", 131);
        await arm(d, wallet, submitCalldata(session.id, index, 1, other), true);
        const signed = await signFor(d, session, submitAction(session.id, index, 1, round1(index)));
        const receipt = await mined(d, applySigned(d, signed));
        assert.deepEqual(
          eventsOf(receipt).flatMap((e) => (e.eventName === "PayloadSubmitted" ? [e.args] : [])),
          [
            {
              sessionId: session.id,
              party: wallet.address,
              index,
              round: 1,
              payload: round1(index),
            },
          ],
        );
        assert.equal(
          await auditTranscript(d, session.id),
          await d.roundtable.read.transcriptOf([session.id]),
        );
      });

      it("C7: (control) the same re-entering call, sent as a transaction of its own, is valid", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(hostileInRound1);
        const other = bytesOf("threats/reentered", 131);
        const receipt = await executeAs(d, wallet, submitCalldata(session.id, index, 1, other));
        assert.ok(eventsOf(receipt).some((e) => e.eventName === "PayloadSubmitted"));
      });

      it("C7: in a batch, the hostile wallet's item is rejected and the other items land", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(hostileInRound1);
        await arm(
          d,
          wallet,
          submitCalldata(session.id, index, 1, bytesOf("threats/reentered", 131)),
          false,
        );
        const signed = await Promise.all(
          [0, 1, 2].map((p) => signFor(d, session, submitAction(session.id, p, 1, round1(p)))),
        );
        const events = eventsOf(await relay(d, signed));
        assert.deepEqual(
          events.flatMap((e) => (e.eventName === "ActionRejected" ? [e.args] : [])),
          [
            {
              sessionId: session.id,
              item: BigInt(index),
              party: index,
              reason: roundtableError("RoundtableWalletAllowanceSpent", [
                session.id,
                index,
                wallet.address,
                500_000n,
              ]),
            },
          ],
        );
        assert.equal(events.filter((e) => e.eventName === "PayloadSubmitted").length, 2);
      });

      it("C7: an honest ERC-1271 wallet party acts through applySigned", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(honestCreated);
        const signed = await signFor(d, session, acceptAction(session, index));
        await viem.assertions.emitWithArgs(applySigned(d, signed), d.roundtable, "PartyAccepted", [
          session.id,
          wallet.address,
          index,
          wallet.encryptionKey,
          zeroAddress,
        ]);
      });

      it("C7: an honest ERC-1271 wallet party completes a whole session through batches", async () => {
        const { d, session } = await networkHelpers.loadFixture(honestCreated);
        const steps = await runSession(d, session, payloads, "batch");
        const refused = steps.flatMap((s) =>
          eventsOf(s.receipt).filter(
            (e) => e.eventName === "ActionRejected" || e.eventName === "ActionSkipped",
          ),
        );
        assert.deepEqual(refused, []);
        assert.equal((await stateOf(d, session)).phase, Phase.Finalized);
      });

      it("C7: an honest ERC-1271 wallet party acts directly through its own transaction", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(honestCreated);
        const receipt = await executeAs(
          d,
          wallet,
          acceptCalldata(
            session.id,
            index,
            session.configHash,
            wallet.encryptionKey,
            keyProofFor(session, index),
          ),
        );
        assert.deepEqual(
          eventsOf(receipt).flatMap((e) => (e.eventName === "PartyAccepted" ? [e.args] : [])),
          [
            {
              sessionId: session.id,
              party: wallet.address,
              index,
              encryptionKey: wallet.encryptionKey,
              delegate: zeroAddress,
            },
          ],
        );
      });

      it("C7: a wallet signature made by someone other than its owner is rejected", async () => {
        const { d, session, wallet, index } = await networkHelpers.loadFixture(honestCreated);
        const forged = await sign(d, trio[C]!, acceptAction(session, index));
        await viem.assertions.revertWithCustomErrorWithArgs(
          applySigned(d, forged),
          d.roundtable,
          "RoundtableInvalidSignature",
          [session.id, index, wallet.address],
        );
      });
    });

    describe("C8: bad session parameters", () => {
      const create = (d: Deployment, overrides: Parameters<typeof keyGenerationConfig>[2]) =>
        d.roundtable.write.createSession([keyGenerationConfig(addressesOf(trio), 2, overrides)], {
          account: d.initiator,
        });
      const [a, b, c] = addressesOf(trio) as [Address, Address, Address];

      it("C8: t = 1 is rejected with RoundtableInvalidThreshold(1, 3): one party would hold the whole key", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { threshold: 1 }),
          d.roundtable,
          "RoundtableInvalidThreshold",
          [1n, 3n],
        );
      });

      it("C8: t = 2, the least threshold, is accepted", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.emit(create(d, { threshold: 2 }), d.roundtable, "SessionCreated");
      });

      it("C8: t = 0 is rejected with RoundtableInvalidThreshold(0, 3)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { threshold: 0 }),
          d.roundtable,
          "RoundtableInvalidThreshold",
          [0n, 3n],
        );
      });

      it("C8: t > n is rejected with RoundtableInvalidThreshold(4, 3)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { threshold: 4 }),
          d.roundtable,
          "RoundtableInvalidThreshold",
          [4n, 3n],
        );
      });

      it("C8: t = n is accepted", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.emit(create(d, { threshold: 3 }), d.roundtable, "SessionCreated");
      });

      it("C8: duplicate parties are rejected with RoundtablePartiesNotAscending", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties: [a, b, b] }),
          d.roundtable,
          "RoundtablePartiesNotAscending",
          [2n, b, b],
        );
      });

      it("C8: parties out of order are rejected with RoundtablePartiesNotAscending", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties: [a, c, b] }),
          d.roundtable,
          "RoundtablePartiesNotAscending",
          [2n, c, b],
        );
      });

      it("C8: the zero address as a party is rejected with RoundtableInvalidParty", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties: [zeroAddress, a, b] }),
          d.roundtable,
          "RoundtableInvalidParty",
          [0n, zeroAddress],
        );
      });

      it("C8: the contract itself as a party is rejected with RoundtableInvalidParty", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const parties = [a, b, c, d.roundtable.address].sort((x, y) =>
          BigInt(x) < BigInt(y) ? -1 : 1,
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties }),
          d.roundtable,
          "RoundtableInvalidParty",
          [BigInt(parties.indexOf(d.roundtable.address)), d.roundtable.address],
        );
      });

      it("C8: n = 256, over the cap, is rejected with RoundtableInvalidPartyCount(256, 2, 255)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const parties = Array.from({ length: 256 }, (_, i) =>
          getAddress(numberToHex(i + 1, { size: 20 })),
        );
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties }),
          d.roundtable,
          "RoundtableInvalidPartyCount",
          [256n, 2n, 255n],
        );
      });

      it("C8: n = 0 is rejected with RoundtableInvalidPartyCount(0, 2, 255)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties: [], threshold: 1 }),
          d.roundtable,
          "RoundtableInvalidPartyCount",
          [0n, 2n, 255n],
        );
      });

      it("C8: n = 1 is rejected with RoundtableInvalidPartyCount(1, 2, 255): a threshold protocol needs two", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { parties: [a], threshold: 1 }),
          d.roundtable,
          "RoundtableInvalidPartyCount",
          [1n, 2n, 255n],
        );
      });

      it("C8: no rounds is rejected with RoundtableInvalidRoundCount(0, 7)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { rounds: [] }),
          d.roundtable,
          "RoundtableInvalidRoundCount",
          [0n, 7n],
        );
      });

      it("C8: 8 rounds is rejected with RoundtableInvalidRoundCount(8, 7)", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { rounds: schedule(8) }),
          d.roundtable,
          "RoundtableInvalidRoundCount",
          [8n, 7n],
        );
      });

      it("C8: a zero round duration is rejected with RoundtableInvalidDuration", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const rounds = schedule(3).map((r, i) => (i === 1 ? { ...r, duration: 0 } : r));
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { rounds }),
          d.roundtable,
          "RoundtableInvalidDuration",
          [2n, 0n, 2_592_000n],
        );
      });

      it("C8: an acceptance duration over 30 days is rejected with RoundtableInvalidDuration", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { acceptanceDuration: 2_592_001 }),
          d.roundtable,
          "RoundtableInvalidDuration",
          [0n, 2_592_001n, 2_592_000n],
        );
      });

      it("C8: a commit-then-reveal agreement round is rejected with RoundtableCommitRevealAgreement", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { rounds: schedule(3, [3]) }),
          d.roundtable,
          "RoundtableCommitRevealAgreement",
          [3n],
        );
      });

      it("C8: a key generation naming a key session is rejected with RoundtableSigningParamsOnKeyGeneration", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        await viem.assertions.revertWithCustomErrorWithArgs(
          create(d, { keySession: 5n }),
          d.roundtable,
          "RoundtableSigningParamsOnKeyGeneration",
          [5n, zeroHash],
        );
      });

      describe("signing sessions", () => {
        const message = messageDigest("threats/C8");
        const createSigning = (
          d: Deployment,
          keySession: bigint,
          overrides: Parameters<typeof signingConfig>[4] = {},
        ) =>
          d.roundtable.write.createSession(
            [signingConfig(keySession, [a, c], 2, message, overrides)],
            {
              account: d.initiator,
            },
          );

        it("C8: a key session that does not exist is rejected with RoundtableInvalidKeySession", async () => {
          const d = await networkHelpers.loadFixture(deployed);
          await viem.assertions.revertWithCustomErrorWithArgs(
            createSigning(d, 99n),
            d.roundtable,
            "RoundtableInvalidKeySession",
            [99n, Status.None, SessionKind.KeyGeneration],
          );
        });

        it("C8: a key session that is not finalized is rejected with RoundtableInvalidKeySession", async () => {
          const { d, session } = await networkHelpers.loadFixture(inRound1);
          await viem.assertions.revertWithCustomErrorWithArgs(
            createSigning(d, session.id),
            d.roundtable,
            "RoundtableInvalidKeySession",
            [session.id, Status.Active, SessionKind.KeyGeneration],
          );
        });

        it("C8: a signing session used as a key session is rejected with RoundtableInvalidKeySession", async () => {
          const { d, session } = await networkHelpers.loadFixture(finalizedKey);
          const signers = [trio[A]!, trio[C]!];
          const signing = await createSession(
            d,
            signingConfig(session.id, [a, c], 2, message),
            signers,
          );
          await runSession(d, signing, roundPayloads("threats/C8/sign", 2, [66, 32, 64]), "batch");
          await viem.assertions.revertWithCustomErrorWithArgs(
            createSigning(d, signing.id),
            d.roundtable,
            "RoundtableInvalidKeySession",
            [signing.id, Status.Finalized, SessionKind.Signing],
          );
        });

        it("C8: a threshold other than the key's is rejected with RoundtableThresholdMismatch", async () => {
          const { d, session } = await networkHelpers.loadFixture(finalizedKey);
          // All three holders sign, so that t = 3 is valid for the session and only the key's t = 2 refuses it.
          await viem.assertions.revertWithCustomErrorWithArgs(
            createSigning(d, session.id, { threshold: 3, parties: [a, b, c] }),
            d.roundtable,
            "RoundtableThresholdMismatch",
            [3n, 2n],
          );
        });

        it("C8: an empty message is rejected with RoundtableEmptyMessage", async () => {
          const { d, session } = await networkHelpers.loadFixture(finalizedKey);
          await viem.assertions.revertWithCustomErrorWithArgs(
            createSigning(d, session.id, { message: zeroHash }),
            d.roundtable,
            "RoundtableEmptyMessage",
            [],
          );
        });

        it("C8: a signer that holds no share of the key is rejected with RoundtableSignerNotKeyHolder", async () => {
          const { d, session } = await networkHelpers.loadFixture(finalizedKey);
          const parties = [a, d.outsider].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
          await viem.assertions.revertWithCustomErrorWithArgs(
            createSigning(d, session.id, { parties }),
            d.roundtable,
            "RoundtableSignerNotKeyHolder",
            [session.id, d.outsider],
          );
        });

        it("C8: t of the key's holders may sign", async () => {
          const { d, session } = await networkHelpers.loadFixture(finalizedKey);
          await viem.assertions.emit(createSigning(d, session.id), d.roundtable, "SessionCreated");
        });
      });
    });

    describe("C9: deadline boundaries", () => {
      /** C's submission and an outsider's expire, each tried alone from the same state at `timestamp`. */
      async function both(
        t: Table,
        timestamp: number,
      ): Promise<[string | undefined, string | undefined]> {
        const { d, session } = t;
        const snapshot = await networkHelpers.takeSnapshot();
        await time.setNextBlockTimestamp(timestamp);
        const submitted = await outcomeOf(
          d,
          d.roundtable.write.submit([session.id, C, 1, round1(C)], {
            account: partyAt(session, C).signer,
          }),
        );
        await snapshot.restore();
        await time.setNextBlockTimestamp(timestamp);
        const expired = await outcomeOf(
          d,
          d.roundtable.write.expire([session.id], { account: d.outsider }),
        );
        await snapshot.restore();
        return [submitted, expired];
      }

      for (const [label, offset, expected] of [
        ["deadline − 1", -1, [undefined, "RoundtableDeadlineNotPassed"]],
        ["deadline", 0, [undefined, "RoundtableDeadlineNotPassed"]],
        ["deadline + 1", 1, ["RoundtableDeadlinePassed", undefined]],
      ] as const) {
        it(`C9: at ${label} exactly one of submit and expire succeeds`, async () => {
          const t = await networkHelpers.loadFixture(waitingForC);
          const deadline = await deadlineOf(t.d, t.session);
          assert.deepEqual(await both(t, deadline + offset), expected);
        });
      }

      it("C9: at the deadline a submission lands", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        await time.setNextBlockTimestamp(await deadlineOf(d, session));
        await viem.assertions.emitWithArgs(
          d.roundtable.write.submit([session.id, C, 1, round1(C)], {
            account: partyAt(session, C).signer,
          }),
          d.roundtable,
          "PayloadSubmitted",
          [session.id, partyAt(session, C).address, C, 1, round1(C)],
        );
      });

      it("C9: at deadline + 1 a submission is rejected with RoundtableDeadlinePassed(deadline, deadline + 1)", async () => {
        const { d, session } = await networkHelpers.loadFixture(waitingForC);
        const deadline = await deadlineOf(d, session);
        await time.setNextBlockTimestamp(deadline + 1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          d.roundtable.write.submit([session.id, C, 1, round1(C)], {
            account: partyAt(session, C).signer,
          }),
          d.roundtable,
          "RoundtableDeadlinePassed",
          [session.id, BigInt(deadline), BigInt(deadline + 1)],
        );
      });

      it("C9: at the acceptance deadline an acceptance lands, and at one second past it is rejected", async () => {
        const { d, session } = await networkHelpers.loadFixture(created);
        const deadline = await deadlineOf(d, session);
        const { signer } = partyAt(session, A);
        const accept = () => d.roundtable.write.accept(acceptArgs(session, A), { account: signer });
        const snapshot = await networkHelpers.takeSnapshot();
        await time.setNextBlockTimestamp(deadline);
        assert.equal(await outcomeOf(d, accept()), undefined);
        await snapshot.restore();
        await time.setNextBlockTimestamp(deadline + 1);
        await viem.assertions.revertWithCustomErrorWithArgs(
          accept(),
          d.roundtable,
          "RoundtableDeadlinePassed",
          [session.id, BigInt(deadline), BigInt(deadline + 1)],
        );
      });
    });

    describe("C10: relayer griefing a batch", () => {
      /** Signed round-1 submissions of every party of `session`, in index order. */
      function round1Batch(d: Deployment, session: Session): Promise<SignedAction[]> {
        return Promise.all(
          session.parties.map((_, p) =>
            signFor(d, session, submitAction(session.id, p, 1, round1(p))),
          ),
        );
      }

      function estimate(d: Deployment, actions: readonly SignedAction[]): Promise<bigint> {
        return d.roundtable.estimateGas.batch([packBatchItems(actions)], { account: d.relayer });
      }

      /** A gas limit that covers every item but the last, and only part of the last. */
      async function shortOfLast(d: Deployment, actions: readonly SignedAction[]): Promise<bigint> {
        const [allButLast, all] = [
          await estimate(d, actions.slice(0, -1)),
          await estimate(d, actions),
        ];
        return all - (all - allButLast) / 8n;
      }

      type Attempt = { gas: bigint; outcome: string | undefined; rejected: number; landed: number };

      /** Sends `actions` with 41 gas limits from `low` to `high`, each from the same state. */
      async function sweep(
        d: Deployment,
        actions: readonly SignedAction[],
        low: bigint,
        high: bigint,
      ) {
        const attempts: Attempt[] = [];
        for (let i = 0n; i <= 40n; i++) {
          const gas = low + ((high - low) * i) / 40n;
          const snapshot = await networkHelpers.takeSnapshot();
          let receipt: TransactionReceipt | undefined;
          const sent = d.roundtable.write
            .batch([packBatchItems(actions)], { account: d.relayer, gas })
            .then(async (hash) => {
              receipt = await d.publicClient.waitForTransactionReceipt({ hash });
              return hash;
            });
          const outcome = await outcomeOf(d, sent);
          const events = receipt === undefined ? [] : eventsOf(receipt);
          attempts.push({
            gas,
            outcome,
            rejected: events.filter((e) => e.eventName === "ActionRejected").length,
            landed: events.filter((e) => e.eventName === "PayloadSubmitted").length,
          });
          await snapshot.restore();
        }
        return attempts;
      }

      /** Sweeps from half the first item's need to 10% over the whole batch's, and returns partial landings. */
      async function partialLandings(d: Deployment, actions: readonly SignedAction[]) {
        const all = await estimate(d, actions);
        const attempts = await sweep(
          d,
          actions,
          (await estimate(d, actions.slice(0, 1))) / 2n,
          all + all / 10n,
        );
        // Items run inline: a limit that starves one runs the whole batch out of gas (no reason).
        assert.ok(attempts.some((a) => a.outcome !== undefined));
        assert.ok(attempts.some((a) => a.outcome === undefined));
        return attempts.filter(
          (a) => a.outcome === undefined && (a.rejected > 0 || a.landed !== actions.length),
        );
      }

      it("C10: an under-gassed batch reverts as a whole, out of gas", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await round1Batch(d, session);
        const outcome = await outcomeOf(
          d,
          d.roundtable.write.batch([packBatchItems(signed)], {
            account: d.relayer,
            gas: await shortOfLast(d, signed),
          }),
        );
        // Reverted without a custom error: no item was judged, none rejected.
        assert.equal(outcome, "");
      });

      it("C10: the reverted under-gassed batch leaves no item recorded", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await round1Batch(d, session);
        const gas = await shortOfLast(d, signed);
        const before = await snapshotOf(d, session);
        const outcome = await outcomeOf(
          d,
          d.roundtable.write.batch([packBatchItems(signed)], { account: d.relayer, gas }),
        );
        assert.equal(outcome, "", "the batch reverted, out of gas");
        assert.deepEqual(await snapshotOf(d, session), before);
      });

      it("C10: at any gas limit a batch of valid items either lands them all or reverts", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        assert.deepEqual(await partialLandings(d, await round1Batch(d, session)), []);
      });

      it("C10: an item front-run by its party does not sink the rest: the others land and the round completes", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await round1Batch(d, session);
        await submitDirect(d, session, C, 1, round1(C));
        const events = eventsOf(await relay(d, signed));
        assert.deepEqual(
          events.flatMap((e) => (e.eventName === "PayloadSubmitted" ? [e.args.index] : [])),
          [A, B],
        );
        assert.equal((await stateOf(d, session)).round, 2);
      });

      it("C10: an item front-run by its party, ahead of the others in the batch, is skipped with ActionSkipped", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const [a, b, c] = await round1Batch(d, session);
        await submitDirect(d, session, C, 1, round1(C));
        await viem.assertions.emitWithArgs(
          relayHash(d, [c!, a!, b!]),
          d.roundtable,
          "ActionSkipped",
          [session.id, 0n, C],
        );
      });

      it("C10: an item front-run by its party is skipped, not rejected, even when the items before it close the round", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const signed = await round1Batch(d, session);
        await submitDirect(d, session, C, 1, round1(C));
        const events = eventsOf(await relay(d, signed));
        assert.deepEqual(
          events.flatMap((e) =>
            e.eventName === "ActionSkipped" || e.eventName === "ActionRejected"
              ? [{ event: e.eventName, item: e.args.item, party: e.args.party }]
              : [],
          ),
          [{ event: "ActionSkipped", item: 2n, party: C }],
        );
      });

      it("C10: an item for a round that is not open is rejected with ActionRejected while the others land", async () => {
        const { d, session } = await networkHelpers.loadFixture(inRound1);
        const early = await signFor(d, session, submitAction(session.id, A, 2, payloads[1]![A]!));
        const [, b, c] = await round1Batch(d, session);
        const events = eventsOf(await relay(d, [early, b!, c!]));
        assert.deepEqual(
          events.flatMap((e) => (e.eventName === "ActionRejected" ? [e.args] : [])),
          [
            {
              sessionId: session.id,
              item: 0n,
              party: A,
              reason: roundtableError("RoundtableUnexpectedRound", [session.id, 1, 2]),
            },
          ],
        );
        assert.equal(events.filter((e) => e.eventName === "PayloadSubmitted").length, 2);
      });

      describe("with a contract-wallet party whose signature check costs 300,000 gas", () => {
        type Costly = Table & { wallet: WalletParty; index: number };

        async function costlyWalletInRound1(c: Connection): Promise<Costly> {
          const d = await deployed(c);
          const wallet = await deployHonestWallet(d, "threats/costly", 300_000n);
          const known = [trio[A]!, wallet, trio[C]!];
          const session = await createSession(d, keyGenerationConfig(addressesOf(known), 2), known);
          await runPhase(d, session, { kind: "accept" }, payloads, "batch");
          return { d, session, wallet, index: indexOf(session, wallet) };
        }

        /** The round-1 batch with the wallet's item last, where a short gas limit hurts it most. */
        async function walletLast(t: Costly): Promise<SignedAction[]> {
          const signed = await round1Batch(t.d, t.session);
          return [...signed.filter((_, i) => i !== t.index), signed[t.index]!];
        }

        it("C10: at any gas limit a batch with the wallet's valid item last either lands them all or reverts", async () => {
          const t = await networkHelpers.loadFixture(costlyWalletInRound1);
          assert.deepEqual(await partialLandings(t.d, await walletLast(t)), []);
        });

        it("C10: an under-gassed batch whose wallet check ran dry reverts with RoundtableBatchOutOfGas", async () => {
          const t = await networkHelpers.loadFixture(costlyWalletInRound1);
          const signed = await walletLast(t);
          await viem.assertions.revertWithCustomErrorWithArgs(
            t.d.roundtable.write.batch([packBatchItems(signed)], {
              account: t.d.relayer,
              gas: await shortOfLast(t.d, signed),
            }),
            t.d.roundtable,
            "RoundtableBatchOutOfGas",
            [2n, (gasLeft: bigint) => gasLeft > 0n],
          );
        });

        it("C10: applySigned with too little gas for the wallet's check reverts with RoundtableSignatureCheckOutOfGas", async () => {
          const { d, session, index } = await networkHelpers.loadFixture(costlyWalletInRound1);
          const signed = await signFor(
            d,
            session,
            submitAction(session.id, index, 1, round1(index)),
          );
          await viem.assertions.revertWithCustomErrorWithArgs(
            d.roundtable.write.applySigned([signed], { account: d.relayer, gas: 200_000n }),
            d.roundtable,
            "RoundtableSignatureCheckOutOfGas",
            [session.id, index, (gasLeft: bigint) => gasLeft > 0n],
          );
        });
      });

      it("C10: a wallet whose check always runs dry is rejected within its allowance and the other items land", async () => {
        const d = await networkHelpers.loadFixture(deployed);
        const sink = await deployHonestWallet(d, "threats/sink", 10n ** 12n);
        const known = [trio[A]!, sink, trio[C]!];
        const session = await createSession(d, keyGenerationConfig(addressesOf(known), 2), known);
        const signed = await Promise.all(
          known.map((p) => sign(d, p, acceptAction(session, indexOf(session, p)))),
        );
        const sinkIndex = indexOf(session, sink);
        const receipt = await mined(
          d,
          d.roundtable.write.batch([packBatchItems(signed)], {
            account: d.relayer,
            gas: 3_000_000n,
          }),
        );
        const events = eventsOf(receipt);
        assert.deepEqual(
          events.flatMap((e) => (e.eventName === "ActionRejected" ? [e.args] : [])),
          [
            {
              sessionId: session.id,
              item: BigInt(signed.findIndex((a) => a.party === sinkIndex)),
              party: sinkIndex,
              // Spent all it was given: the most, 500,000, since the item names no allowance.
              reason: roundtableError("RoundtableWalletAllowanceSpent", [
                session.id,
                sinkIndex,
                partyAt(session, sinkIndex).address,
                500_000n,
              ]),
            },
          ],
        );
        assert.deepEqual(
          events.flatMap((e) => (e.eventName === "PartyAccepted" ? [e.args.index] : [])).sort(),
          [0, 1, 2].filter((i) => i !== sinkIndex),
        );
      });
    });
  });
});

function relayHash(d: Deployment, actions: readonly SignedAction[]) {
  return d.roundtable.write.batch([packBatchItems(actions)], { account: d.relayer });
}
