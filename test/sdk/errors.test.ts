import { expect } from "chai";
import {
  BaseError,
  encodeErrorResult,
  getAddress,
  type Hex,
  keccak256,
  stringToHex,
  toHex,
  zeroAddress,
  zeroHash,
} from "viem";
import { acceptSession } from "../../src/sdk/actions/acceptSession.js";
import { cancelSession } from "../../src/sdk/actions/cancelSession.js";
import { createSession } from "../../src/sdk/actions/createSession.js";
import { expireSession } from "../../src/sdk/actions/expireSession.js";
import { fileComplaint } from "../../src/sdk/actions/fileComplaint.js";
import { findInvitations } from "../../src/sdk/actions/findInvitations.js";
import { getSessionEvents } from "../../src/sdk/actions/getSessionEvents.js";
import type { RoundtableWalletClient } from "../../src/sdk/actions/internal.js";
import { readSession } from "../../src/sdk/actions/readSession.js";
import { submitCommitment } from "../../src/sdk/actions/submitCommitment.js";
import { submitPayload } from "../../src/sdk/actions/submitPayload.js";
import { submitSignedActions } from "../../src/sdk/actions/submitSignedActions.js";
import { commitmentOf } from "../../src/sdk/commitmentOf.js";
import { encodeAcceptData } from "../../src/sdk/eip712.js";
import {
  decodeRoundtableError,
  isRoundtableContractError,
  RoundtableContractError,
  RoundtableError,
  type RoundtableErrorName,
  RoundtableInputError,
  roundtableErrorMessages,
  toRoundtableError,
} from "../../src/sdk/errors.js";
import { roundtableAbi } from "../../src/sdk/generated/roundtableAbi.js";
import { hashSessionConfig } from "../../src/sdk/hashSessionConfig.js";
import { signAction } from "../../src/sdk/signAction.js";
import { ActionType, type SessionConfig, SessionKind } from "../../src/sdk/types.js";
import {
  acceptAll,
  byAddress,
  createdSessionFixture,
  deployFixture,
  eventually,
  finalizedKeyFixture,
  HOUR,
  keyGenerationConfig,
  keyProofFor,
  networkHelpers,
  provider,
  SIGN,
  startedSessionFixture,
} from "./fixtures.js";

/** The error a promise rejects with; fails if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the action to fail, but it succeeded");
    },
    (err: unknown) => err,
  );
}

async function expectContractError(
  promise: Promise<unknown>,
  errorName: RoundtableErrorName,
  shortMessage: string,
): Promise<RoundtableContractError> {
  const err = await rejection(promise);
  expect(err).to.be.instanceOf(RoundtableContractError);
  const contractError = err as RoundtableContractError;
  expect(contractError.errorName).to.equal(errorName);
  expect(contractError.shortMessage).to.equal(shortMessage);
  return contractError;
}

async function expectInputError(
  promise: Promise<unknown>,
  parameter: string,
  shortMessage: string,
): Promise<RoundtableInputError> {
  const err = await rejection(promise);
  expect(err).to.be.instanceOf(RoundtableInputError);
  const inputError = err as RoundtableInputError;
  expect(inputError.parameter).to.equal(parameter);
  expect(inputError.shortMessage).to.equal(shortMessage);
  return inputError;
}

/** The Accept data of `party` for slot `index` of session 1: its key, its proof, no delegate. */
function acceptData(
  deployed: Parameters<typeof keyProofFor>[0],
  index: number,
  party: Parameters<typeof keyProofFor>[3],
): Hex {
  return encodeAcceptData({ ...keyProofFor(deployed, 1n, index, party), delegate: zeroAddress });
}

/** An ISO time to the second, as the messages show block timestamps. */
function iso(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const abiErrors = roundtableAbi.filter(
  (item): item is Extract<(typeof roundtableAbi)[number], { type: "error" }> =>
    item.type === "error",
);

/** A sample value of an ABI type, for rendering every message. */
function sampleOf(type: string): unknown {
  if (type === "address") return "0x00000000000000000000000000000000000000A1";
  if (type === "bytes32") return `0x${"ab".repeat(32)}`;
  if (type === "string") return "Roundtable";
  if (type === "uint8") return 2;
  if (type.startsWith("uint")) return 3n;
  throw new Error(`no sample for ${type}`);
}

describe("SDK errors", () => {
  describe("message table", () => {
    it("has a message for every error in the ABI, and none for errors it lacks", () => {
      expect(Object.keys(roundtableErrorMessages).sort()).to.deep.equal(
        abiErrors.map((e) => e.name).sort(),
      );
    });

    it("renders every error from its revert data, with the values and a next step", () => {
      for (const item of abiErrors) {
        const args = item.inputs.map((input) => sampleOf(input.type));
        const data = encodeErrorResult({ abi: [item], errorName: item.name, args } as never) as Hex;
        const error = decodeRoundtableError(data);
        expect(error, item.name).to.be.instanceOf(RoundtableContractError);
        expect((error as RoundtableContractError).errorName).to.equal(item.name);
        // What happened, then what to do: at least two sentences, and no unrendered value.
        expect(error.shortMessage, item.name).to.match(/\.\s+\S.*\.\)?$/s);
        expect(error.shortMessage, item.name).to.not.match(/undefined|NaN|\[object/);
        expect(error.metaMessages[0], item.name).to.match(new RegExp(`^Error: ${item.name}\\(`));
      }
    });

    it("formats the whole message like viem: summary, context lines, details", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const [party] = s.parties;
      if (!party) throw new Error("fixture has three parties");
      const err = await rejection(
        acceptSession({
          publicClient: s.publicClient,
          walletClient: party.walletClient,
          address: s.address,
          sessionId: 1n,
          configHash: zeroHash,
          ...keyProofFor(s, 1n, 0, party),
        }),
      );
      expect((err as Error).message).to.equal(
        [
          `Session 1's configuration hash is ${s.configHash}, but the acceptance is for ${zeroHash}. Do not accept: the configuration you were shown differs from the session's. Rebuild it from the SessionCreated event (readSession) and check it again.`,
          "",
          `Error: RoundtableConfigHashMismatch(sessionId: 1, expected: ${s.configHash}, given: ${zeroHash})`,
          "Function: accept",
          `Contract: ${s.address}`,
          `Sender:   ${party.address}`,
          "",
          `Details: VM Exception while processing transaction: reverted with custom error 'RoundtableConfigHashMismatch(1, "${s.configHash}", "${zeroHash}")'`,
        ].join("\n"),
      );
      expect((err as RoundtableError).cause).to.be.instanceOf(BaseError);
      expect(isRoundtableContractError(err, "RoundtableConfigHashMismatch")).to.equal(true);
      expect(isRoundtableContractError(err, "RoundtableAlreadyActed")).to.equal(false);
    });
  });

  describe("toRoundtableError", () => {
    it("returns an SDK error unchanged", () => {
      const error = new RoundtableError({ shortMessage: "x" });
      expect(toRoundtableError(error)).to.equal(error);
    });

    it("wraps any other error, keeping it as the cause", () => {
      const cause = new TypeError("fetch failed");
      const error = toRoundtableError(cause);
      expect(error.shortMessage).to.equal("fetch failed");
      expect(error.cause).to.equal(cause);
      expect(toRoundtableError("boom").shortMessage).to.equal("Unexpected error: boom");
    });

    it("says when revert data does not belong to the Roundtable ABI", () => {
      const error = decodeRoundtableError("0xdeadbeef");
      expect(error).to.not.be.instanceOf(RoundtableContractError);
      expect(error.shortMessage).to.equal(
        "The contract reverted with data that the Roundtable ABI does not know (selector 0xdeadbeef). Check the contract address: it may not be a Roundtable contract, or it may be a different version.",
      );
    });

    it("says when a call returned no data: no contract at the address", async () => {
      const s = await networkHelpers.loadFixture(deployFixture);
      const err = await rejection(
        readSession({ publicClient: s.publicClient, address: s.outsider.address, sessionId: 1n }),
      );
      expect((err as RoundtableError).shortMessage).to.equal(
        "The contract returned no data. Check the contract address and the client's chain: there may be no Roundtable contract there.",
      );
    });
  });

  describe("contract errors through the actions", () => {
    describe("createSession", () => {
      async function create(
        overrides: Partial<SessionConfig>,
        parties?: readonly { address: `0x${string}` }[],
      ) {
        const d = await networkHelpers.loadFixture(deployFixture);
        return createSession({
          publicClient: d.publicClient,
          walletClient: d.initiator,
          address: d.address,
          config: keyGenerationConfig(parties ?? d.parties, overrides),
        });
      }

      it("RoundtableInvalidRoundCount: an empty schedule", async () => {
        await expectContractError(
          create({ rounds: [] }),
          "RoundtableInvalidRoundCount",
          "The schedule has 0 rounds; a session needs 1 to 7, the last being the agreement round. Fix config.rounds.",
        );
      });

      it("RoundtableInvalidDuration: a zero acceptance window", async () => {
        await expectContractError(
          create({ acceptanceDuration: 0 }),
          "RoundtableInvalidDuration",
          "The acceptance window of 0 seconds is invalid: a duration must be 1 to 2592000 seconds. Fix config.acceptanceDuration.",
        );
      });

      it("RoundtableInvalidDuration: a round longer than 30 days", async () => {
        await expectContractError(
          create({
            rounds: [
              { duration: HOUR, commitReveal: false },
              { duration: 2_592_001, commitReveal: false },
            ],
          }),
          "RoundtableInvalidDuration",
          "Round 2's duration of 2592001 seconds is invalid: a duration must be 1 to 2592000 seconds. Fix config.rounds[1].duration.",
        );
      });

      it("RoundtableCommitRevealAgreement: a commit-then-reveal last round", async () => {
        await expectContractError(
          create({ rounds: [{ duration: HOUR, commitReveal: true }] }),
          "RoundtableCommitRevealAgreement",
          "Round 1 is the last round, the agreement round, and cannot be commit-then-reveal. Set config.rounds[0].commitReveal to false, or add the agreement round after it.",
        );
      });

      it("RoundtableParamsTooLarge: 1025 bytes of parameters", async () => {
        await expectContractError(
          create({ params: toHex(new Uint8Array(1025)) }),
          "RoundtableParamsTooLarge",
          "config.params is 1025 bytes; at most 1024 are allowed. Shorten the protocol parameters.",
        );
      });

      it("RoundtableSigningParamsOnKeyGeneration: a message on a key generation", async () => {
        const message = keccak256(stringToHex("hello"));
        await expectContractError(
          create({ message }),
          "RoundtableSigningParamsOnKeyGeneration",
          `A key-generation session must not set keySession (0) or message (${message}): they belong to signing sessions. Set keySession to 0 and message to zero, or set kind to Signing.`,
        );
      });

      it("RoundtableInvalidParty: the contract itself as a party", async () => {
        const d = await networkHelpers.loadFixture(deployFixture);
        const self = getAddress(d.address);
        const parties = [...d.parties, { address: self }].sort(byAddress);
        const index = parties.findIndex((p) => p.address === self);
        await expectContractError(
          create({}, parties),
          "RoundtableInvalidParty",
          `Party ${index} (${self}) is the Roundtable contract itself, which cannot act as a party. Remove it from the parties.`,
        );
      });

      it("RoundtableInvalidKeySession: a signing session naming an active key generation", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        await expectContractError(
          createSession({
            ...s,
            walletClient: s.initiator,
            config: keyGenerationConfig(s.parties, {
              kind: SessionKind.Signing,
              protocol: SIGN,
              keySession: s.sessionId,
              message: keccak256("0x01"),
            }),
          }),
          "RoundtableInvalidKeySession",
          "Session 1 cannot provide the key: it is a key-generation session with status Active. A signing session needs the id of a finalized key-generation session.",
        );
      });

      it("RoundtableInvalidKeySession: a key session that does not exist", async () => {
        await expectContractError(
          create({
            kind: SessionKind.Signing,
            protocol: SIGN,
            keySession: 5n,
            message: keccak256("0x01"),
          }),
          "RoundtableInvalidKeySession",
          "Key session 5 does not exist. A signing session needs the id of a finalized key-generation session.",
        );
      });

      describe("signing sessions", () => {
        async function sign(
          overrides: Partial<SessionConfig>,
          signers?: readonly { address: `0x${string}` }[],
        ) {
          const k = await networkHelpers.loadFixture(finalizedKeyFixture);
          return createSession({
            publicClient: k.publicClient,
            walletClient: k.initiator,
            address: k.address,
            config: keyGenerationConfig(signers ?? k.holders, {
              kind: SessionKind.Signing,
              protocol: SIGN,
              threshold: 2,
              keySession: k.keySession,
              message: keccak256(stringToHex("pay 1 ETH")),
              rounds: [
                { duration: HOUR, commitReveal: false },
                { duration: HOUR, commitReveal: false },
              ],
              ...overrides,
            }),
          });
        }

        it("RoundtableThresholdMismatch: a threshold other than the key's", async () => {
          // Three signers, so that threshold 3 is valid for the session and only the key's 2 refuses it.
          const k = await networkHelpers.loadFixture(finalizedKeyFixture);
          const stranger = k.parties[2];
          if (!stranger) throw new Error("fixture has three parties");
          await expectContractError(
            sign({ threshold: 3 }, [...k.holders, stranger].sort(byAddress)),
            "RoundtableThresholdMismatch",
            "Threshold 3 differs from the key's threshold 2: a signing session signs with its key's threshold. Set threshold to 2.",
          );
        });

        it("RoundtableEmptyMessage: no digest to sign", async () => {
          await expectContractError(
            sign({ message: zeroHash }),
            "RoundtableEmptyMessage",
            "A signing session needs a message digest, but message is zero. Set message to the 32-byte digest to sign.",
          );
        });

        it("RoundtableSignerNotKeyHolder: a signer outside the key's parties", async () => {
          const k = await networkHelpers.loadFixture(finalizedKeyFixture);
          const stranger = k.parties[2];
          if (!stranger) throw new Error("fixture has three parties");
          await expectContractError(
            sign({}, [...k.holders, stranger].sort(byAddress)),
            "RoundtableSignerNotKeyHolder",
            `Signer ${stranger.address} is not a party of key session 1, so it holds no share of that key. Choose the signers among that session's parties (partiesOf(1)).`,
          );
        });
      });
    });

    describe("acceptance", () => {
      it("RoundtableUnknownSession: a session id that was never created", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 9n,
            party: 0,
            configHash: s.configHash,
            ...keyProofFor(s, 9n, 0, party),
          }),
          "RoundtableUnknownSession",
          "Session 9 does not exist on this contract. Check the session id (sessions are numbered from 1 to sessionCount()) and that the client points at the right chain and contract address.",
        );
      });

      it("RoundtableUnknownSession: readSession of a session id that was never created", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        await expectContractError(
          readSession({ publicClient: s.publicClient, address: s.address, sessionId: 2n }),
          "RoundtableUnknownSession",
          "Session 2 does not exist on this contract. Check the session id (sessions are numbered from 1 to sessionCount()) and that the client points at the right chain and contract address.",
        );
      });

      it("RoundtableConfigHashMismatch: accepting a configuration other than the session's", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        const shown = hashSessionConfig({ ...s.config, threshold: 3 });
        await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            configHash: shown,
            ...keyProofFor(s, 1n, 0, party),
          }),
          "RoundtableConfigHashMismatch",
          `Session 1's configuration hash is ${s.configHash}, but the acceptance is for ${shown}. Do not accept: the configuration you were shown differs from the session's. Rebuild it from the SessionCreated event (readSession) and check it again.`,
        );
      });

      it("RoundtableInvalidEncryptionKey: a 32-byte key", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            configHash: s.configHash,
            encryptionKey: zeroHash,
            keyProof: keyProofFor(s, 1n, 0, party).keyProof,
          }),
          "RoundtableInvalidEncryptionKey",
          "Session 1: party 0's encryption key is 32 bytes. Register a 33-byte compressed secp256k1 public key (0x02 or 0x03, then 32 bytes).",
        );
      });

      it("RoundtableAlreadyActed: committing twice in a round", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        const [, second] = s.parties;
        if (!second) throw new Error("fixture has three parties");
        const commit = () =>
          submitCommitment({
            publicClient: s.publicClient,
            walletClient: second.walletClient,
            address: s.address,
            sessionId: 1n,
            round: 1,
            payload: "0x0102",
          });
        await commit();
        await expectContractError(
          commit(),
          "RoundtableAlreadyActed",
          "Session 1: party 1 has already acted in round 1. Nothing to do: wait for the other parties.",
        );
      });

      it("RoundtableAlreadyActed: accepting twice", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [, , third] = s.parties;
        if (!third) throw new Error("fixture has three parties");
        const accept = () =>
          acceptSession({
            publicClient: s.publicClient,
            walletClient: third.walletClient,
            address: s.address,
            sessionId: 1n,
            configHash: s.configHash,
            ...keyProofFor(s, 1n, 2, third),
          });
        await accept();
        await expectContractError(
          accept(),
          "RoundtableAlreadyActed",
          "Session 1: party 2 has already accepted. Nothing to do: wait for the other parties.",
        );
      });

      it("RoundtableUnauthorized: one party's wallet sending for another", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [first, second] = s.parties;
        if (!first || !second) throw new Error("fixture has three parties");
        await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: first.walletClient,
            address: s.address,
            sessionId: 1n,
            party: 1,
            configHash: s.configHash,
            ...keyProofFor(s, 1n, 1, first),
          }),
          "RoundtableUnauthorized",
          `Session 1: party 1 is ${second.address}, but the transaction came from ${first.address}. Send it from party 1's account, or have that account sign the action (signAction) and submit it with submitSignedActions.`,
        );
      });

      it("RoundtableUnknownParty: an index past the last party", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            party: 5,
            configHash: s.configHash,
            ...keyProofFor(s, 1n, 5, party),
          }),
          "RoundtableUnknownParty",
          "Session 1 has 3 parties (indexes 0 to 2); party 5 is not one of them. Use the party's index in the session's parties list (findInvitations returns it).",
        );
      });

      it("RoundtableDeadlinePassed: accepting after the acceptance deadline", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await networkHelpers.time.increaseTo(s.acceptanceDeadline + 10);
        const err = await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            configHash: s.configHash,
            ...keyProofFor(s, 1n, 0, party),
          }),
          "RoundtableDeadlinePassed",
          `Session 1: the phase's deadline ${iso(s.acceptanceDeadline)} passed at ${iso(s.acceptanceDeadline + 10)} (block time), so the phase is closed. Anyone may now call expire (expireSession) to abort the session and record which parties did not act.`,
        );
        expect(err.args).to.deep.equal([
          1n,
          BigInt(s.acceptanceDeadline),
          BigInt(s.acceptanceDeadline + 10),
        ]);
      });

      it("RoundtableSessionClosed: accepting a cancelled session", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await cancelSession({
          publicClient: s.publicClient,
          walletClient: s.initiator,
          address: s.address,
          sessionId: 1n,
        });
        await expectContractError(
          acceptSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            party: 0,
            configHash: s.configHash,
            ...keyProofFor(s, 1n, 0, party),
          }),
          "RoundtableSessionClosed",
          "Session 1 was cancelled by its initiator and accepts no more actions. Nothing to do.",
        );
      });
    });

    describe("initiator and anyone", () => {
      it("RoundtableNotInitiator: a party cancelling", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          cancelSession({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
          }),
          "RoundtableNotInitiator",
          `Session 1 can only be cancelled by its initiator ${getAddress(s.initiator.account.address)}, but the transaction came from ${party.address}. Send cancel from the initiator's account.`,
        );
      });

      it("RoundtableUnexpectedPhase: cancelling a session that has started", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        await expectContractError(
          cancelSession({
            publicClient: s.publicClient,
            walletClient: s.initiator,
            address: s.address,
            sessionId: 1n,
          }),
          "RoundtableUnexpectedPhase",
          "Session 1 is in phase Committing; this action needs phase Accepting. Every party has accepted and the rounds have started, so acceptance and cancellation are closed.",
        );
      });

      it("RoundtableDeadlineNotPassed: expiring before the deadline", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const err = await rejection(
          expireSession({
            publicClient: s.publicClient,
            walletClient: s.outsider.walletClient,
            address: s.address,
            sessionId: 1n,
          }),
        );
        expect(err).to.be.instanceOf(RoundtableContractError);
        const { args, shortMessage } =
          err as RoundtableContractError<"RoundtableDeadlineNotPassed">;
        expect(shortMessage).to.equal(
          `Session 1 cannot be expired yet: its deadline is ${iso(s.acceptanceDeadline)} and the block time is ${iso(args[2])}. Wait until after the deadline, then call expire again.`,
        );
        expect(args[2] <= BigInt(s.acceptanceDeadline)).to.equal(true);
      });
    });

    describe("rounds", () => {
      it("RoundtableUnexpectedPhase: committing before every party accepted", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          submitCommitment({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            round: 0,
            payload: "0x01",
          }),
          "RoundtableUnexpectedPhase",
          "Session 1 is in phase Accepting; this action needs phase Committing. The session has not started: wait until every party has accepted (watchSession reports when round 1 opens).",
        );
      });

      it("RoundtableUnexpectedPhase: submitting while the round takes commitments", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          submitPayload({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            round: 1,
            payload: "0x01",
          }),
          "RoundtableUnexpectedPhase",
          "Session 1 is in phase Committing; this action needs phase Revealing. Read the session (readSession) and send the action its phase expects: commit in Committing, reveal (submit) in Revealing, submit in Submitting and Agreeing.",
        );
      });

      it("RoundtableUnexpectedRound: a round that has not opened", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          submitPayload({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            round: 2,
            payload: "0x01",
          }),
          "RoundtableUnexpectedRound",
          "Session 1 is in round 1; round 2 has not opened yet. Wait until it opens (watchSession reports it), then send again.",
        );
      });

      it("RoundtableEmptyCommitment: a zero commitment", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          submitCommitment({
            publicClient: s.publicClient,
            walletClient: party.walletClient,
            address: s.address,
            sessionId: 1n,
            round: 1,
            commitment: zeroHash,
          }),
          "RoundtableEmptyCommitment",
          "Session 1: party 0's commitment is zero. Commit to commitmentOf(sessionId, round, account, payload) (submitCommitment computes it when given the payload).",
        );
      });

      it("RoundtableCommitmentMismatch: revealing another payload than the one committed to", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        const base = { publicClient: s.publicClient, address: s.address, sessionId: 1n, round: 1 };
        for (const p of s.parties) {
          await submitCommitment({ ...base, walletClient: p.walletClient, payload: "0xc0ffee" });
        }
        const [party] = s.parties;
        if (!party) throw new Error("fixture has three parties");
        const err = await rejection(
          submitPayload({ ...base, walletClient: party.walletClient, payload: "0xdecaf0" }),
        );
        expect(err).to.be.instanceOf(RoundtableContractError);
        const { args, shortMessage } =
          err as RoundtableContractError<"RoundtableCommitmentMismatch">;
        expect(args[2]).to.equal(commitmentOf(1n, 1, party.address, "0xc0ffee"));
        expect(args[3]).to.equal(commitmentOf(1n, 1, party.address, "0xdecaf0"));
        expect(shortMessage).to.equal(
          `Session 1: party 0 committed to ${args[2]}, but the revealed payload's commitment is ${args[3]}. Reveal exactly the payload you committed to, from the account that committed.`,
        );
      });

      it("RoundtableInvalidPayloadLength: an agreement result longer than 96 bytes", async () => {
        const d = await networkHelpers.loadFixture(deployFixture);
        const config = keyGenerationConfig(d.parties, {
          rounds: [{ duration: HOUR, commitReveal: false }],
        });
        const { sessionId } = await createSession({ ...d, walletClient: d.initiator, config });
        await acceptAll(d, sessionId, config);
        const [party] = d.parties;
        if (!party) throw new Error("fixture has three parties");
        await expectContractError(
          submitPayload({
            ...d,
            walletClient: party.walletClient,
            sessionId,
            round: 1,
            payload: toHex(new Uint8Array(97)),
          }),
          "RoundtableInvalidPayloadLength",
          "The payload is 97 bytes; here it must be 1 to 96 bytes. (Agreement results are at most 96 bytes; round payloads and complaint evidence at most 16384.)",
        );
      });

      it("RoundtableSelfComplaint: a party accusing itself", async () => {
        const s = await networkHelpers.loadFixture(startedSessionFixture);
        const [, second] = s.parties;
        if (!second) throw new Error("fixture has three parties");
        await expectContractError(
          fileComplaint({
            publicClient: s.publicClient,
            walletClient: second.walletClient,
            address: s.address,
            sessionId: 1n,
            round: 1,
            accused: 1,
            evidence: "0x01",
          }),
          "RoundtableSelfComplaint",
          "Session 1: party 1 cannot complain against itself. Name the accused party's index.",
        );
      });
    });

    describe("signed actions", () => {
      async function signedAccept(
        s: Awaited<ReturnType<typeof createdSessionFixture>>,
        signerIndex: number,
      ) {
        const signer = s.parties[signerIndex];
        const party = s.parties[0];
        if (!signer || !party) throw new Error("fixture has three parties");
        return signAction({
          account: signer.account,
          chainId: s.publicClient.chain.id,
          contract: s.address,
          action: {
            action: ActionType.Accept,
            sessionId: 1n,
            party: 0,
            round: 0,
            accused: 0,
            word: s.configHash,
            data: acceptData(s, 0, party),
          },
        });
      }

      it("RoundtableInvalidSignature: an action signed by another account", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const [first] = s.parties;
        if (!first) throw new Error("fixture has three parties");
        await expectContractError(
          submitSignedActions({
            publicClient: s.publicClient,
            walletClient: s.outsider.walletClient,
            address: s.address,
            actions: [await signedAccept(s, 1)],
          }),
          "RoundtableInvalidSignature",
          `Session 1: the signature on party 0's action is not valid for its account ${first.address} (for a contract wallet: its ERC-1271 check refused it). Sign the action again with that account, for this chain, contract, session and round.`,
        );
      });

      it("a batch sent with too little gas reverts whole, and says so", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const actions = await Promise.all(
          s.parties.map((p, party) =>
            signAction({
              account: p.account,
              chainId: s.publicClient.chain.id,
              contract: s.address,
              action: {
                action: ActionType.Accept,
                sessionId: 1n,
                party,
                round: 0,
                accused: 0,
                word: s.configHash,
                data: acceptData(s, party, p),
              },
            }),
          ),
        );
        const err = await rejection(
          submitSignedActions({
            publicClient: s.publicClient,
            walletClient: s.outsider.walletClient,
            address: s.address,
            actions,
            // Enough for the batch to start item 0, not for item 0 to finish.
            gas: 75_000n,
          }),
        );
        // Items run inline (validate, then apply): the whole call runs out of gas. Only a contract
        // wallet's starved ERC-1271 check names its item (RoundtableBatchOutOfGas, threats C10).
        expect(err).to.be.instanceOf(RoundtableError);
        expect((err as RoundtableError).shortMessage).to.equal(
          "The transaction ran out of gas, so nothing was recorded. Send it again with a higher gas limit, or leave the gas limit unset so that it is estimated.",
        );
        const session = await readSession({
          publicClient: s.publicClient,
          address: s.address,
          sessionId: 1n,
        });
        expect(session.state.acted).to.equal(0n);
      });

      it("gives the reason of a transaction that passed its simulation but reverted when mined", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const signed = await signedAccept(s, 0);
        // Two relayers carry the same action into one block: both simulate fine, the second reverts.
        await provider.request({ method: "evm_setAutomine", params: [false] });
        try {
          const send = (walletClient: RoundtableWalletClient) =>
            rejection(
              submitSignedActions({ ...s, walletClient, actions: [signed], gas: 500_000n }),
            ).catch((e: unknown) => e);
          const first = send(s.initiator);
          const second = send(s.outsider.walletClient);
          await eventually(async () => {
            const pending = await s.publicClient.getBlock({ blockTag: "pending" });
            return pending.transactions.length === 2;
          }, "both transactions in the mempool");
          await networkHelpers.mine();
          const outcomes = await Promise.all([first, second]);
          const failed = outcomes.find((o) => o instanceof RoundtableError);
          expect(outcomes.filter((o) => o instanceof RoundtableError)).to.have.length(1);
          expect(failed).to.be.instanceOf(RoundtableContractError);
          const error = failed as RoundtableContractError;
          expect(error.shortMessage).to.equal(
            "Session 1: party 0 has already accepted. Nothing to do: wait for the other parties.",
          );
          expect(error.metaMessages[1]).to.match(
            /^Transaction 0x[0-9a-f]{64} was mined in block \d+ but reverted, so nothing was recorded\. Replayed at that block, it reverts as above\.$/,
          );
        } finally {
          await provider.request({ method: "evm_setAutomine", params: [true] });
        }
      });

      it("says when a transaction ran out of gas without a contract error", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const err = await rejection(
          submitSignedActions({
            publicClient: s.publicClient,
            walletClient: s.outsider.walletClient,
            address: s.address,
            actions: [await signedAccept(s, 0)],
            gas: 40_000n,
          }),
        );
        expect(err).to.not.be.instanceOf(RoundtableContractError);
        expect((err as RoundtableError).shortMessage).to.equal(
          "The transaction ran out of gas, so nothing was recorded. Send it again with a higher gas limit, or leave the gas limit unset so that it is estimated.",
        );
      });

      it("RoundtableMissingSignature: a relayed action without a signature", async () => {
        const s = await networkHelpers.loadFixture(createdSessionFixture);
        const signed = await signedAccept(s, 0);
        await expectContractError(
          submitSignedActions({
            publicClient: s.publicClient,
            walletClient: s.outsider.walletClient,
            address: s.address,
            actions: [{ ...signed, signature: "0x" }],
          }),
          "RoundtableMissingSignature",
          "Session 1: party 0's relayed action carries no signature. Sign it with the party's account (signAction), or send it directly from that account.",
        );
      });
    });
  });

  describe("input errors", () => {
    it("names a malformed session id and what a valid one looks like", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      await expectInputError(
        readSession({ publicClient: s.publicClient, address: s.address, sessionId: 0n }),
        "sessionId",
        "Invalid sessionId 0n: expected a session id, a bigint from 1n (sessions are numbered from 1), such as 7n.",
      );
      await expectInputError(
        readSession({
          publicClient: s.publicClient,
          address: s.address,
          sessionId: 7 as unknown as bigint,
        }),
        "sessionId",
        "Invalid sessionId 7: expected a session id, a bigint from 1n (sessions are numbered from 1), such as 7n.",
      );
    });

    it("names an account that is not a party of the session, and lists the parties", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const err = await expectInputError(
        acceptSession({
          publicClient: s.publicClient,
          walletClient: s.outsider.walletClient,
          address: s.address,
          sessionId: 1n,
          configHash: s.configHash,
          ...keyProofFor(s, 1n, 0, s.outsider),
        }),
        "walletClient.account",
        `Account ${s.outsider.address} is not a party of session 1. Send from one of its parties' accounts, or pass party explicitly.`,
      );
      expect(err.metaMessages).to.deep.equal([
        `Parties: ${s.parties.map((p) => p.address).join(", ")}`,
      ]);
    });

    it("refuses parties out of order, and says how to sort them", async () => {
      const d = await networkHelpers.loadFixture(deployFixture);
      const [a, b, c] = d.parties;
      if (!a || !b || !c) throw new Error("fixture has three parties");
      const before = await d.publicClient.getBlockNumber({ cacheTime: 0 });
      await expectInputError(
        createSession({ ...d, walletClient: d.initiator, config: keyGenerationConfig([a, c, b]) }),
        "config.parties[2]",
        `Invalid config.parties[2] "${b.address}": it is lower than config.parties[1] (${c.address}). Parties must be unique and in strictly increasing address order: sort them with parties.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) and remove duplicates. A party's index is its position in the sorted list.`,
      );
      // Nothing was sent.
      expect(await d.publicClient.getBlockNumber({ cacheTime: 0 })).to.equal(before);
    });

    it("refuses a duplicate party", async () => {
      const d = await networkHelpers.loadFixture(deployFixture);
      const [a, b] = d.parties;
      if (!a || !b) throw new Error("fixture has three parties");
      await expectInputError(
        createSession({
          ...d,
          walletClient: d.initiator,
          config: keyGenerationConfig([a, b, b], { threshold: 1 }),
        }),
        "config.parties[2]",
        `Invalid config.parties[2] "${b.address}": it is a duplicate of config.parties[1]. Parties must be unique and in strictly increasing address order: sort them with parties.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)) and remove duplicates. A party's index is its position in the sorted list.`,
      );
    });

    it("refuses a threshold outside 2 to n (B7)", async () => {
      const d = await networkHelpers.loadFixture(deployFixture);
      for (const threshold of [0, 1, 4]) {
        await expectInputError(
          createSession({
            ...d,
            walletClient: d.initiator,
            config: keyGenerationConfig(d.parties, { threshold }),
          }),
          "config.threshold",
          `Invalid config.threshold ${threshold}: expected an integer from 2 to 3 (the number of parties; with 1, any single party would hold the whole key).`,
        );
      }
    });

    it("refuses fewer than 2 parties, or more than 255 (B7)", async () => {
      const d = await networkHelpers.loadFixture(deployFixture);
      const many = Array.from({ length: 256 }, (_, i) => ({ address: toHex(i + 1, { size: 20 }) }));
      await expectInputError(
        createSession({
          ...d,
          walletClient: d.initiator,
          config: keyGenerationConfig(many, { threshold: 2 }),
        }),
        "config.parties",
        "Invalid config.parties: 256 parties. Expected 2 to 255 party addresses (a threshold session needs at least two).",
      );
      await expectInputError(
        createSession({
          ...d,
          walletClient: d.initiator,
          config: keyGenerationConfig([], { threshold: 2 }),
        }),
        "config.parties",
        "Invalid config.parties: 0 parties. Expected 2 to 255 party addresses (a threshold session needs at least two).",
      );
    });

    it("refuses the zero address and malformed addresses as parties", async () => {
      const d = await networkHelpers.loadFixture(deployFixture);
      await expectInputError(
        createSession({
          ...d,
          walletClient: d.initiator,
          config: keyGenerationConfig([{ address: zeroAddress }, d.parties[0]!], { threshold: 2 }),
        }),
        "config.parties[0]",
        `Invalid config.parties[0] "${zeroAddress}": the zero address cannot be a party.`,
      );
      await expectInputError(
        createSession({
          ...d,
          walletClient: d.initiator,
          config: keyGenerationConfig([{ address: "0x1234" }, d.parties[0]!], { threshold: 2 }),
        }),
        "config.parties[0]",
        'Invalid config.parties[0] "0x1234": expected an address, 0x followed by 40 hex digits.',
      );
    });

    it("refuses malformed bytes, shortening long values", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      const [party] = s.parties;
      if (!party) throw new Error("fixture has three parties");
      const base = {
        publicClient: s.publicClient,
        walletClient: party.walletClient,
        address: s.address,
        sessionId: 1n,
      };
      await expectInputError(
        submitPayload({ ...base, round: 1, payload: "0xabc" }),
        "payload",
        'Invalid payload "0xabc": expected hex bytes, 0x followed by an even number of hex digits.',
      );
      await expectInputError(
        acceptSession({
          ...base,
          configHash: `0x${"ab".repeat(31)}`,
          ...keyProofFor(s, 1n, 0, party),
        }),
        "configHash",
        'Invalid configHash "0xabababab…" (64 characters): expected 32 bytes of hex, 0x followed by 64 hex digits.',
      );
    });

    it("refuses a round or party index outside 0 to 255", async () => {
      const s = await networkHelpers.loadFixture(startedSessionFixture);
      const [party] = s.parties;
      if (!party) throw new Error("fixture has three parties");
      const base = {
        publicClient: s.publicClient,
        walletClient: party.walletClient,
        address: s.address,
        sessionId: 1n,
      };
      await expectInputError(
        submitPayload({ ...base, round: 256, payload: "0x01" }),
        "round",
        "Invalid round 256: expected a round number, an integer from 0 to 255.",
      );
      await expectInputError(
        submitPayload({ ...base, party: 1.5, round: 1, payload: "0x01" }),
        "party",
        "Invalid party 1.5: expected the party's index in the session's parties, an integer from 0 to 254.",
      );
    });

    it("refuses a wallet client without an account", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      const { account: _, ...walletClient } = s.initiator;
      await expectInputError(
        cancelSession({
          publicClient: s.publicClient,
          walletClient: walletClient as unknown as typeof s.initiator,
          address: s.address,
          sessionId: 1n,
        }),
        "walletClient.account",
        "Invalid walletClient: it has no account. Create it with one, such as createWalletClient({ account, chain, transport }) with a local account or the address of a JSON-RPC or browser wallet account.",
      );
    });

    it("refuses an empty batch, a bad page size and a bad invited address", async () => {
      const s = await networkHelpers.loadFixture(createdSessionFixture);
      await expectInputError(
        submitSignedActions({ ...s, walletClient: s.initiator, actions: [] }),
        "actions",
        "Invalid actions: expected at least one signed action (an array of SignedAction, as signAction returns).",
      );
      await expectInputError(
        getSessionEvents({
          publicClient: s.publicClient,
          address: s.address,
          sessionId: 1n,
          pageSize: 0n,
        }),
        "pageSize",
        "Invalid pageSize 0n: expected the number of blocks per log request, a bigint of at least 1n, such as 1000n.",
      );
      await expectInputError(
        findInvitations({
          publicClient: s.publicClient,
          address: s.address,
          party: "alice" as `0x${string}`,
        }),
        "party",
        'Invalid party "alice": expected an address, 0x followed by 40 hex digits.',
      );
    });
  });
});
