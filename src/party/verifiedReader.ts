// The runner's reads of the chain, and the checks on what was read: a view is returned only once
// every action in it is signed by its party, its transcript matches (and, with a trusted block, is
// proven), and its configuration is the one this party accepted. It also keeps the chain's clock
// and waits out a provider that does not answer, until the phase's deadline by that clock.

import { type Address, bytesToHex, type Hex } from "viem";
import type { RoundtablePublicClient } from "../sdk/actions/internal.js";
import { RoundtableContractError, toRoundtableError } from "../sdk/errors.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import type { TrustedBlock } from "../sdk/proofs/headerChain.js";
import { RpcDisagreementError } from "../sdk/rpc/rpcErrors.js";
import { phaseName, type SessionState } from "../sdk/types.js";
import { ChainProofs } from "./chainProofs.js";
import { PartyError, type PartyErrorCode } from "./errors.js";
import { bindingOf, CONFIG_HASH_RECORD, KEY_SHARE_RECORD } from "./records.js";
import { formatSeconds, type Outage, outageOf, outageWait } from "./rpcOutage.js";
import type { SecretBinding } from "./secretStore.js";
import { readSessionView, type SessionView } from "./sessionView.js";
import type { PartyProgress } from "./types.js";
import { signingKeyProblem, VerifiedActions, type ViewProblem, verifyView } from "./verifyView.js";

/** Consecutive failed chain reads tolerated while polling (a flaky RPC node) before giving up. */
const MAX_READ_FAILURES = 5;

/**
 * Reads in a row that must fail verification before the run stops on an untrusted read. The waits
 * between them double (1, 2, 4, 8, 8 polls): a node still writing a block's logs agrees within
 * milliseconds even when loaded, a lying provider never does, and nothing is sent meanwhile.
 */
const MAX_UNTRUSTED_READS = 6;
const MAX_UNTRUSTED_WAIT_POLLS = 8;

/** What the reader needs from the run it reads for: its store, progress, pacing and errors. */
export type ReaderRun = {
  /** A store record (a PartyError STORE if the store fails). */
  get(view: SessionView, binding: SecretBinding, name: string): Promise<Uint8Array | undefined>;
  /** Reports the view's progress, with a note. */
  progress(view: SessionView, note?: string): void;
  /** Reports progress as given (repeats dropped). */
  emit(progress: PartyProgress): void;
  /** Waits a poll, or `milliseconds`; returns early when the run is stopped. */
  sleep(milliseconds?: number): Promise<void>;
  /** Throws PartyError STOPPED once the run is stopped. */
  throwIfStopped(): void;
  /** A PartyError for this run, placed at the last view read. */
  error(
    code: PartyErrorCode,
    shortMessage: string,
    extra?: { metaMessages?: string[]; cause?: unknown },
  ): PartyError;
  /** A PartyError STORE naming what failed, never what the store holds. */
  storeError(view: SessionView, what: string, error: unknown): PartyError;
};

export type VerifiedReaderParameters = {
  publicClient: RoundtablePublicClient;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** The party's account. */
  account: Address;
  /** Milliseconds between polls; an outage's waits grow from it. */
  interval: number;
  /** A block this party trusts: every transcript read is then proven against it. */
  trustedBlock: TrustedBlock | undefined;
  run: ReaderRun;
};

/** Reads one session's view, verified, and keeps what the checks and the clock need between reads. */
export class VerifiedReader {
  readonly #p: VerifiedReaderParameters;
  readonly #run: ReaderRun;
  #chainId: number | undefined;
  #view: SessionView | undefined;
  /** Actions whose signatures this run has checked (see verifyView). */
  readonly #verified = new VerifiedActions();
  readonly #proofs: ChainProofs | undefined;
  /** The chain's clock at the last read: its block's timestamp, and when it was read here. */
  #chainClock: { seconds: number; localMs: number } | undefined;
  /** Whether the provider was last seen down (to say once that it is back). */
  #outage = false;

  constructor(p: VerifiedReaderParameters) {
    this.#p = p;
    this.#run = p.run;
    this.#proofs =
      p.trustedBlock === undefined
        ? undefined
        : new ChainProofs(p.publicClient, p.address, p.trustedBlock);
  }

  /** The last view read (or refused, so that errors say where the run stopped). */
  get view(): SessionView | undefined {
    return this.#view;
  }

  /** Storage proofs against the trusted block, when one is given. */
  get proofs(): ChainProofs | undefined {
    return this.#proofs;
  }

  /** A store binding on the chain read; only after the first read. */
  binding(sessionId: bigint, party: number): SecretBinding {
    return bindingOf(this.#chainId!, this.#p.address, sessionId, party);
  }

  async read(): Promise<SessionView> {
    let untrusted = 0;
    let outageSince: number | undefined;
    for (let failures = 1; ; failures++) {
      try {
        this.#chainId ??= await this.#p.publicClient.getChainId();
        const view = await readSessionView({
          publicClient: this.#p.publicClient,
          address: this.#p.address,
          sessionId: this.#p.sessionId,
          account: this.#p.account,
          chainId: this.#chainId,
          previous: this.#view,
        });
        // Countdowns and deadlines go by the chain's clock, which may run apart from this one's.
        const block = await this.#p.publicClient.getBlock({ blockNumber: view.blockNumber });
        await this.#verify(view);
        this.#chainClock = { seconds: Number(block.timestamp), localMs: Date.now() };
        this.#view = view;
        if (this.#outage) {
          this.#outage = false;
          this.#run.progress(view, "the RPC provider answers again; carrying on");
        }
        return view;
      } catch (error) {
        if (error instanceof PartyError) {
          // A node can answer a read at a block before its logs for that block are indexed; an
          // honest provider's view agrees a poll later, a lying one's never does.
          if (error.code !== "UNTRUSTED_READ" || ++untrusted >= MAX_UNTRUSTED_READS) throw error;
          const polls = Math.min(2 ** (untrusted - 1), MAX_UNTRUSTED_WAIT_POLLS);
          for (let wait = 0; wait < polls; wait++) await this.#run.sleep();
          this.#run.throwIfStopped();
          continue;
        }
        const disagreement = findCause(error, RpcDisagreementError);
        if (disagreement !== undefined) {
          // Providers that contradict each other are not a hiccup to retry: stop before acting.
          throw this.#run.error(
            "UNTRUSTED_READ",
            `Stopped session ${this.#p.sessionId} before acting: ${disagreement.shortMessage}`,
            { metaMessages: disagreement.metaMessages ?? [], cause: error },
          );
        }
        const reason = toRoundtableError(error);
        // readSession asks resultOf only when sessionState said Finalized at the same block: a
        // NoResult then is a node answering one block two ways (seen on anvil under load), which
        // a poll later agrees, as an untrusted read does.
        if (
          reason instanceof RoundtableContractError &&
          reason.errorName === "RoundtableNoResult" &&
          ++untrusted < MAX_UNTRUSTED_READS
        ) {
          const polls = Math.min(2 ** (untrusted - 1), MAX_UNTRUSTED_WAIT_POLLS);
          for (let wait = 0; wait < polls; wait++) await this.#run.sleep();
          this.#run.throwIfStopped();
          continue;
        }
        if (reason instanceof RoundtableContractError) {
          throw this.#run.error(
            "CHAIN",
            `Could not read session ${this.#p.sessionId}: ${reason.shortMessage}`,
            { cause: error },
          );
        }
        const outage = outageOf(error);
        if (outage !== undefined) {
          outageSince ??= Date.now();
          await this.#waitOutOutage(outage, failures, outageSince, error);
          continue;
        }
        if (failures >= MAX_READ_FAILURES) {
          throw this.#run.error(
            "CHAIN",
            `Could not read session ${this.#p.sessionId}: ${reason.shortMessage}. Run again to resume; nothing is lost.`,
            { cause: error },
          );
        }
        await this.#run.sleep();
        this.#run.throwIfStopped();
      }
    }
  }

  /**
   * Waits before the next read while the provider does not answer: the wait doubles, and the
   * run goes on until the current phase's deadline by the chain's clock (or, before the first
   * read, a few tries), since the session needs nothing from this party after it.
   */
  async #waitOutOutage(
    outage: Outage,
    attempt: number,
    since: number,
    error: unknown,
  ): Promise<void> {
    const view = this.#view;
    const down = formatSeconds((Date.now() - since) / 1000);
    const secondsLeft = view === undefined ? 0 : view.deadline - this.chainNow();
    if (view === undefined ? attempt >= MAX_READ_FAILURES : secondsLeft <= 0) {
      const deadline =
        view === undefined
          ? ""
          : `, and the deadline ${new Date(view.deadline * 1000).toISOString()} has passed by the chain's clock`;
      throw this.#run.error(
        "CHAIN",
        `Could not read session ${this.#p.sessionId}: the RPC provider ${outage.provider} has not answered for ${down} (${outage.reason})${deadline}. Run again to resume; nothing is lost.`,
        { cause: error },
      );
    }
    const wait =
      view === undefined
        ? outageWait(this.#p.interval, attempt)
        : Math.min(outageWait(this.#p.interval, attempt), Math.ceil(secondsLeft * 1000));
    if (view !== undefined) {
      this.#run.progress(
        view,
        `the RPC provider ${outage.provider} is unreachable (${outage.reason}) for ${down}; retrying in ${formatSeconds(wait / 1000)}, until the deadline`,
      );
    }
    this.#outage = true;
    await this.#run.sleep(wait);
    this.#run.throwIfStopped();
  }

  /** Now, by the chain's clock: the last block read, plus the local time since it was read. */
  chainNow(): number {
    const clock = this.#chainClock;
    if (clock === undefined) return Date.now() / 1000;
    return clock.seconds + Math.max(0, Date.now() - clock.localMs) / 1000;
  }

  /**
   * Refuses a view whose actions are not all signed by their parties, whose transcript does not
   * match the contract's, or whose configuration is not the one this party accepted.
   */
  async #verify(view: SessionView): Promise<void> {
    let pinned: Hex | undefined;
    if (view.self !== undefined) {
      const bytes = await this.#run.get(
        view,
        this.binding(view.sessionId, view.self),
        CONFIG_HASH_RECORD,
      );
      if (bytes !== undefined) pinned = bytesToHex(bytes);
    }
    const problem =
      (await this.#verifySigningKey(view)) ??
      (await verifyView({
        publicClient: this.#p.publicClient,
        view,
        verified: this.#verified,
        pinnedConfigHash: pinned,
      }));
    if (problem === undefined) {
      if (this.#proofs !== undefined) await this.#proveTranscript(view, this.#proofs);
      return;
    }
    this.#view ??= view;
    throw this.#run.error(
      "UNTRUSTED_READ",
      `Stopped session ${view.sessionId} before acting on what the RPC provider served at block ${view.blockNumber}: ${problem.what}. Nothing was sent on it. Read the chain through another provider, or several (--rpc-url more than once), and run again: nothing is lost.`,
      { metaMessages: problem.metaMessages },
    );
  }

  /**
   * The contract's transcript at the view's block, from a storage proof against a header linked
   * to the trusted block. verifyView already matched it against every logged, signed action, so
   * the whole action log the runner acts on is then proven.
   */
  async #proveTranscript(view: SessionView, proofs: ChainProofs): Promise<void> {
    const proven = await proofs.transcript(view.sessionId, view.blockNumber);
    if ("value" in proven && proven.value.toLowerCase() === view.transcript.toLowerCase()) return;
    this.#view ??= view;
    throw this.#run.error(
      "UNTRUSTED_READ",
      "failure" in proven
        ? `Stopped session ${view.sessionId}: the provider's chain does not prove out from trusted block ${this.#p.trustedBlock?.number} (${proven.failure}). Nothing was sent on it. Use another provider, or check the trusted block, and run again.`
        : `Stopped session ${view.sessionId}: at block ${view.blockNumber} the proven transcript is ${proven.value}, but the provider served ${view.transcript}. Nothing was sent on it. Use another provider and run again.`,
    );
  }

  /**
   * A signing session signs with the key this party helped generate: the group key served must be
   * the one its own key share implies, and the key session's configuration the one it accepted.
   */
  async #verifySigningKey(view: SessionView): Promise<ViewProblem | undefined> {
    const signing = view.signing;
    if (signing?.keyIndex === undefined) return undefined;
    const keyBinding = this.binding(signing.keySession, signing.keyIndex);
    const pinned = await this.#run.get(view, keyBinding, CONFIG_HASH_RECORD);
    const share = await this.#run.get(view, keyBinding, KEY_SHARE_RECORD);
    try {
      return signingKeyProblem(signing, pinned, share);
    } catch (error) {
      throw this.#run.storeError(view, `decode ${KEY_SHARE_RECORD}`, error);
    }
  }

  /** One cheap read while waiting: has the phase or round moved? Reports progress on the way. */
  async phaseChanged(): Promise<boolean> {
    const view = this.#view;
    if (view === undefined) return true;
    let state: SessionState;
    try {
      state = await this.#readState();
    } catch {
      // A transient failure: the full read that follows retries and reports properly.
      return true;
    }
    if (state.phase !== view.phase || state.round !== view.round) return true;
    let acted = 0;
    for (let i = 0; i < state.partyCount; i++) if ((state.acted >> BigInt(i)) & 1n) acted++;
    this.#run.emit({
      sessionId: view.sessionId,
      phase: phaseName(state.phase),
      round: state.round,
      acted,
      partyCount: state.partyCount,
      deadline: new Date(state.deadline * 1000),
      chainTime: new Date(this.chainNow() * 1000),
    });
    return false;
  }

  #readState(): Promise<SessionState> {
    return this.#p.publicClient.readContract({
      address: this.#p.address,
      abi: roundtableAbi,
      functionName: "sessionState",
      args: [this.#p.sessionId],
    });
  }
}

/** The first error in `error`'s cause chain that is a `type`. */
function findCause<T extends Error>(
  error: unknown,
  type: abstract new (...args: never[]) => T,
): T | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof type) return e;
  }
  return undefined;
}
