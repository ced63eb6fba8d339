// The party runner: reads the chain, asks the plan for the next step, does it, and repeats until
// the session ends. Every decision starts from the chain and the store, never from memory, so a
// run can be killed at any point and started again with the same store: it re-sends exactly what
// it stored and never computes a round twice once its payload may have left (threat R8).

import { type Address, bytesToHex, type Hex, hexToBytes } from "viem";
import type { RandomSource } from "../protocol/index.js";
import { ProtocolError, secureRandom } from "../protocol/index.js";
import { expireSession } from "../sdk/actions/expireSession.js";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { commitmentOf } from "../sdk/commitmentOf.js";
import { toRoundtableError } from "../sdk/errors.js";
import type { TrustedBlock } from "../sdk/proofs/headerChain.js";
import { ActionType, Phase, type UnsignedAction } from "../sdk/types.js";
import {
  type AcceptanceSigningRequest,
  acceptAction,
  acceptanceSummary,
  delegateAccount,
  newDelegateSecretKey,
  newEncryptionSecretKey,
} from "./acceptance.js";
import { delegateAuthority, signAcceptance } from "./delegateSigning.js";
import {
  actionLabel,
  describeOutcome,
  partyList,
  phaseLabel,
  unconfirmedNote,
} from "./describeRun.js";
import { PartyError, type PartyErrorCode } from "./errors.js";
import { type PartyStep, planStep } from "./plan.js";
import { computeRound, type SessionProtocol, sessionProtocol } from "./protocolRound.js";
import {
  CONFIG_HASH_RECORD,
  DELEGATE_KEY_RECORD,
  ENCRYPTION_KEY_RECORD,
  encodeRoundRecord,
  KEY_SHARE_RECORD,
  type RoundRecord,
  roundRecordName,
} from "./records.js";
import { outageOf, outageWait } from "./rpcOutage.js";
import { RunStore } from "./runStore.js";
import type { SecretBinding, SecretStore } from "./secretStore.js";
import { SessionEnd } from "./sessionEnd.js";
import type { SessionView } from "./sessionView.js";
import {
  type ActionAuthority,
  createDirectTransport,
  deliver,
  type Transport,
} from "./transport.js";
import type { AcceptanceSummary, PartyOutcome, PartyProgress } from "./types.js";
import { VerifiedReader } from "./verifiedReader.js";

export type { AcceptanceSigningRequest } from "./acceptance.js";
export type { AcceptanceSummary, PartyOutcome, PartyProgress } from "./types.js";

export type RunPartyParameters = {
  publicClient: RoundtablePublicClient;
  /**
   * The party's wallet: its account is the party, it sends (or, with a delegate, signs) the
   * acceptance and pays for direct transactions. Optional only with `account` and a `delegate`
   * whose acceptance is signed away from the runner (a Safe, a hardware wallet elsewhere).
   */
  walletClient?: RoundtableWalletClient | undefined;
  /** The party's account, when no `walletClient` holds it. @default walletClient's account */
  account?: Address | undefined;
  /**
   * Run with a session delegate: a key made on acceptance and kept in the store (encrypted, before
   * the acceptance that names it is sent), which signs every later action of this party, so the
   * account signs once per session. A delegated action goes as a SignedAction through the
   * transports: a relayer, the delegate's own transaction (it needs gas), or the wallet's.
   */
  delegate?: boolean | DelegateOptions | undefined;
  /** The Roundtable contract. */
  address: Address;
  sessionId: bigint;
  /** Where this party's secrets live between rounds; the same store resumes a run. */
  store: SecretStore;
  /** Tried in order for every action, the next on failure. @default [direct] */
  transports?: Transport[];
  /** Asked once, before this party's first acceptance; false stops with PartyError REFUSED. */
  confirm: (summary: AcceptanceSummary) => Promise<boolean>;
  /** Randomness for keys and nonces. @default the platform CSPRNG */
  random?: RandomSource;
  /** Milliseconds between reads of the chain while waiting. @default 1000 */
  pollingInterval?: number;
  onProgress?: (p: PartyProgress) => void;
  /** Stops the run (PartyError STOPPED) between steps; run again to resume. */
  signal?: AbortSignal;
  /**
   * Whether to send `expire` itself once a deadline passed (anyone may; it costs gas). When
   * false, or when it fails, the run still returns the aborted outcome the chain implies.
   * @default true
   */
  expire?: boolean;
  /**
   * Beyond signatures and the transcript: a block this party trusts (the deployment record's, or
   * one given by hand). Every view is then pinned to a header linked to it by parent hashes, and
   * the contract's transcript is read from a storage proof against that header, so a provider
   * cannot serve logs that the chain does not hold without forging the chain itself.
   */
  proofs?: { trustedBlock: TrustedBlock } | undefined;
};

/** How a delegated party's acceptance is signed. */
export type DelegateOptions = {
  /**
   * Returns the account's signature over the acceptance (ECDSA, or an ERC-1271 wallet's), made away
   * from the runner; it is checked before anything is sent. The delegate key is stored before this
   * is called, so a later run presents the same request. @default the walletClient signs it
   */
  signAcceptance?: ((request: AcceptanceSigningRequest) => Promise<Hex>) | undefined;
};

/** Deliveries of one action tried while it stays due, before the run stops. */
const MAX_DELIVERY_ATTEMPTS = 3;

/**
 * Runs one party of one session to its end: accepts (after `confirm`), computes and submits
 * every round, complains when another party cheats, and returns how the session ended. Safe to
 * call again after any crash or stop with the same store.
 * @throws PartyError with a code: NOT_A_PARTY, REFUSED, WRONG_PHASE, STORE, UNSUPPORTED,
 *   PROTOCOL, SUBMIT, CHAIN or STOPPED.
 * @example
 * ```ts
 * const outcome = await runParty({
 *   publicClient, walletClient, address, sessionId, store,
 *   confirm: async (summary) => summary.threshold >= 2,
 *   onProgress: (p) => console.log(`${p.phase} ${p.acted}/${p.partyCount}`),
 * });
 * if (outcome.status === "finalized") console.log(outcome.groupPublicKey);
 * ```
 */
export async function runParty(p: RunPartyParameters): Promise<PartyOutcome> {
  return new PartyRun(p).run();
}

/** One run's state. Nothing in it decides anything the chain or the store does not confirm. */
class PartyRun {
  readonly #p: RunPartyParameters;
  readonly #account: Address;
  readonly #transports: readonly Transport[];
  readonly #random: RandomSource;
  readonly #interval: number;
  /** The chain as read and verified: the last view, the chain's clock, the store binding. */
  readonly #reader: VerifiedReader;
  /** The secret store, read and written under the bindings of the chain read. */
  readonly #secrets: RunStore;
  /** Whether an end read may be acted on, and whom an abort blames. */
  readonly #end: SessionEnd;
  #protocol: SessionProtocol | undefined;
  #confirmed = false;
  #lastProgress = "";
  /** Deliveries claimed per step that the chain has not shown yet (see #act). */
  readonly #claims = new Map<string, number>();

  constructor(p: RunPartyParameters) {
    this.#p = p;
    const account = p.account ?? p.walletClient?.account.address;
    if (account === undefined) {
      throw new TypeError(
        "runParty needs the party's account: pass its walletClient, or its address as account.",
      );
    }
    this.#account = account;
    this.#transports = p.transports ?? defaultTransports(p);
    this.#random = p.random ?? secureRandom;
    this.#interval = p.pollingInterval ?? 1000;
    this.#reader = new VerifiedReader({
      publicClient: p.publicClient,
      address: p.address,
      sessionId: p.sessionId,
      account,
      interval: this.#interval,
      trustedBlock: p.proofs?.trustedBlock,
      run: {
        get: (view, binding, name) => this.#secrets.get(view, binding, name),
        progress: (view, note) => this.#progress(view, note),
        emit: (progress) => this.#emit(progress),
        sleep: (milliseconds) => this.#sleep(milliseconds),
        throwIfStopped: () => this.#throwIfStopped(),
        error: (code, shortMessage, extra) => this.#error(code, shortMessage, extra),
        storeError: (view, what, error) => this.#secrets.storeError(view, what, error),
      },
    });
    this.#secrets = new RunStore({
      store: p.store,
      binding: (sessionId, party) => this.#binding(sessionId, party),
      error: (shortMessage, cause) => this.#error("STORE", shortMessage, { cause }),
    });
    this.#end = new SessionEnd({
      publicClient: p.publicClient,
      proofs: this.#reader.proofs,
      secrets: this.#secrets,
      binding: (sessionId, party) => this.#binding(sessionId, party),
      protocolOf: (view) => this.#protocolOf(view),
      untrusted: (shortMessage) => this.#error("UNTRUSTED_READ", shortMessage),
    });
  }

  async run(): Promise<PartyOutcome> {
    let fresh = true;
    for (;;) {
      this.#throwIfStopped();
      if (!fresh && !(await this.#reader.phaseChanged())) {
        await this.#sleep();
        continue;
      }
      const view = await this.#reader.read();
      const local = await this.#secrets.local(view, this.#confirmed);
      const step = planStep(view, local);
      fresh = true;
      switch (step.kind) {
        case "not-a-party":
          throw this.#error(
            "NOT_A_PARTY",
            `Account ${this.#account} is not a party of session ${view.sessionId}. Run it with the account of one of its ${view.parties.length} parties, or check the session id and the contract address.`,
            { metaMessages: [`Parties: ${view.parties.join(", ")}`] },
          );
        case "done": {
          const confirmed = await this.#end.confirmed(view, step.outcome);
          const outcome = await this.#end.judged(view, step.outcome);
          if (confirmed) await this.#secrets.forget(view);
          else this.#progress(view, unconfirmedNote);
          this.#progress(view, describeOutcome(outcome));
          return outcome;
        }
        case "blocked":
          throw this.#error(
            step.code,
            `Cannot continue session ${view.sessionId}: ${step.reason}.`,
          );
        case "expire": {
          const outcome = await this.#expire(view, step.blame);
          if (outcome !== undefined) return outcome;
          break;
        }
        case "accept":
          await this.#accept(view, step);
          break;
        case "send":
          await this.#send(view, step);
          break;
        case "complain":
          await this.#act(
            view,
            step,
            {
              ...noAction(view, ActionType.Complain),
              round: step.round,
              accused: step.accused,
              data: step.evidence,
            },
            `filed a complaint against party ${step.accused} in round ${step.round}`,
          );
          break;
        case "wait":
          this.#progress(view, `waiting for ${partyList(step.waitingFor)}`);
          fresh = false;
          await this.#sleep();
          break;
      }
    }
  }

  // ─────────────────────────────────────────────────────────── steps

  async #accept(view: SessionView, step: Extract<PartyStep, { kind: "accept" }>): Promise<void> {
    const self = view.self!;
    const protocol = this.#protocolOf(view);
    const binding = this.#binding(view.sessionId, self);
    // Reuse a stored key: an earlier run may have sent its Accept in a transaction not yet mined,
    // and a party must never register a key other than the one whose secret it keeps.
    const secret =
      (await this.#secrets.get(view, binding, ENCRYPTION_KEY_RECORD)) ??
      newEncryptionSecretKey(this.#random);
    // The delegate key is reused like the encryption key: a signature made away from the runner
    // for its address must stay good across runs.
    const storedDelegate = this.#delegated
      ? await this.#secrets.get(view, binding, DELEGATE_KEY_RECORD)
      : undefined;
    const delegateKey = this.#delegated
      ? (storedDelegate ?? newDelegateSecretKey(this.#random))
      : undefined;
    const delegate = delegateKey === undefined ? undefined : delegateAccount(delegateKey);
    const accept = acceptAction(view, self, secret, this.#random, delegate?.address);
    const summary = acceptanceSummary(view, protocol, accept);
    if (step.needsConfirmation) {
      const accepted = await this.#p.confirm(summary);
      if (!accepted) {
        throw this.#error(
          "REFUSED",
          `Session ${view.sessionId} was declined: nothing was sent. The session cannot start without this party; it will expire at its acceptance deadline unless the initiator cancels it.`,
        );
      }
      this.#confirmed = true;
      this.#throwIfStopped();
    }
    // The secret must be durable before its public key is registered, and the configuration this
    // party accepted is pinned: every later step checks what it reads against it.
    if (step.newEncryptionKey) {
      await this.#secrets.put(view, binding, ENCRYPTION_KEY_RECORD, secret);
    }
    if (delegateKey !== undefined && storedDelegate === undefined) {
      await this.#secrets.put(view, binding, DELEGATE_KEY_RECORD, delegateKey);
    }
    await this.#secrets.put(view, binding, CONFIG_HASH_RECORD, hexToBytes(view.configHash));
    if (delegate === undefined) {
      await this.#act(view, step, accept, "accepted and registered an encryption key");
      return;
    }
    const signature = await signAcceptance({
      publicClient: this.#p.publicClient,
      walletClient: this.#p.walletClient,
      account: this.#account,
      signAcceptance:
        typeof this.#p.delegate === "object" ? this.#p.delegate.signAcceptance : undefined,
      view,
      accept,
      summary,
      throwIfStopped: () => this.#throwIfStopped(),
      refused: (shortMessage) => this.#error("REFUSED", shortMessage),
    });
    await this.#act(
      view,
      step,
      accept,
      `accepted, registered an encryption key and named delegate ${delegate.address}`,
      { signature, delegate },
    );
  }

  /** Whether this run names a delegate in its acceptance. */
  get #delegated(): boolean {
    return this.#p.delegate !== undefined && this.#p.delegate !== false;
  }

  /** The delegate's signature of a round action, when this party's acceptance named one. */
  #delegateAuthority(
    view: SessionView,
    action: UnsignedAction,
  ): Promise<ActionAuthority | undefined> {
    return delegateAuthority({
      view,
      action,
      storedKey: () =>
        this.#secrets.get(view, this.#binding(view.sessionId, action.party), DELEGATE_KEY_RECORD),
      hasWallet: this.#p.walletClient !== undefined,
      storeProblem: (shortMessage) => this.#error("STORE", shortMessage),
    });
  }

  async #send(view: SessionView, step: Extract<PartyStep, { kind: "send" }>): Promise<void> {
    const self = view.self!;
    const { round } = step;
    const binding = this.#binding(view.sessionId, self);
    let record = step.stored ? await this.#secrets.record(view, binding, round) : undefined;
    if (record === undefined) {
      record = await this.#compute(view, binding, round);
      // A complaint replaces the payload: the next plan files it.
      if (record.kind === "blame") return;
    } else if (record.kind === "payload" && this.#isFinalKeygenRound(view, round)) {
      // The key share is written before the round-3 record; restore it if it went missing since.
      const share = await this.#secrets.get(view, binding, KEY_SHARE_RECORD);
      if (share === undefined)
        await this.#secrets.put(view, binding, KEY_SHARE_RECORD, record.state);
    }
    if (record.kind !== "payload") return;
    const payload = bytesToHex(record.payload);
    const action: UnsignedAction =
      step.action === "commit"
        ? {
            ...noAction(view, ActionType.Commit),
            round,
            word: commitmentOf(view.sessionId, round, view.parties[self]!, payload),
          }
        : { ...noAction(view, ActionType.Submit), round, data: payload };
    const what =
      step.action === "commit"
        ? `committed to its round-${round} payload`
        : step.action === "reveal"
          ? `revealed its round-${round} payload`
          : round === view.roundCount
            ? "submitted its result for agreement"
            : `submitted its round-${round} payload`;
    await this.#act(view, step, action, what);
  }

  /** Computes a round, then stores it (and a key share) before anything leaves this machine. */
  async #compute(view: SessionView, binding: SecretBinding, round: number): Promise<RoundRecord> {
    const protocol = this.#protocolOf(view);
    let previousState: Uint8Array | undefined;
    if (round > 1) {
      const previous = await this.#secrets.record(view, binding, round - 1);
      if (previous?.kind === "payload") previousState = previous.state;
    }
    const secrets =
      view.kind === "key-generation"
        ? { encryptionSecretKey: await this.#secrets.get(view, binding, ENCRYPTION_KEY_RECORD) }
        : { keyShare: await this.#secrets.keyShare(view) };
    let computed: ReturnType<typeof computeRound>;
    try {
      computed = computeRound({
        view,
        protocol,
        round,
        previousState,
        secrets,
        random: this.#random,
      });
    } catch (error) {
      if (error instanceof ProtocolError) {
        throw this.#error(
          "PROTOCOL",
          `Round ${round} of session ${view.sessionId} failed on this party's own inputs (${error.code}): ${error.shortMessage}.`,
          { cause: error },
        );
      }
      throw error;
    }
    // Key share first: if the run dies between the two writes, the round is computed again
    // (deterministically, from the same state and log) rather than sent without a stored share.
    if (computed.keyShare !== undefined) {
      await this.#secrets.put(view, binding, KEY_SHARE_RECORD, computed.keyShare);
    }
    await this.#secrets.put(
      view,
      binding,
      roundRecordName(round),
      encodeRoundRecord(computed.record),
    );
    if (computed.record.kind === "blame") {
      this.#progress(
        view,
        `round ${round}: party ${computed.record.accused} is at fault; complaining`,
      );
    }
    return computed.record;
  }

  /**
   * Delivers one action through the transports. When all fail, the chain is read again: if the
   * step is no longer due (the action landed after all, a deadline passed, someone complained),
   * the loop goes on from there; otherwise the run stops, to be run again later.
   */
  async #act(
    view: SessionView,
    step: PartyStep,
    action: UnsignedAction,
    what: string,
    accountSigned?: ActionAuthority,
  ): Promise<void> {
    // A transport's "delivered" counts only once the verified chain shows the action: a step
    // still due after a claimed delivery was not delivered (a swallowed transaction, a faked
    // receipt). Each such claim waits a poll, then every second one moves on to the next transport.
    const key = stepKey(step);
    const claims = this.#claims.get(key) ?? 0;
    const count = this.#transports.length;
    // Providers may lag the block a receipt came from by a few polls: the wait grows with each claim.
    if (claims >= 2 * count + 4) {
      throw this.#error(
        "UNTRUSTED_READ",
        `Party ${view.self}'s ${actionLabel(action)} in session ${view.sessionId} was reported delivered ${claims} times by ${this.#transports.map((t) => t.name).join(", ")}, but the chain read through the provider(s) never shows it. A provider or relayer is swallowing it: run again through another provider (several --rpc-url) before the deadline ${new Date(view.deadline * 1000).toISOString()}; nothing is lost.`,
      );
    }
    for (let wait = 0; wait < claims; wait++) await this.#sleep();
    const shift = Math.floor(claims / 2) % count;
    const order = [...this.#transports.slice(shift), ...this.#transports.slice(0, shift)];
    let outages = 0;
    for (let attempt = 1; ; ) {
      this.#throwIfStopped();
      // Signed afresh on each attempt, never logged: ECDSA by the delegate is deterministic.
      const authority = accountSigned ?? (await this.#delegateAuthority(view, action));
      const delivery = await deliver(order, action, authority);
      if (delivery.status !== "failed") {
        this.#claims.set(key, claims + 1);
        this.#progress(view, `${what} (${delivery.transport})`);
        return;
      }
      this.#throwIfStopped();
      const now = await this.#reader.read();
      const next = planStep(now, await this.#secrets.local(now, this.#confirmed));
      if (stepKey(next) !== stepKey(step)) return;
      // A provider (or relayer) that does not answer costs no attempt: wait, growing the wait,
      // until the deadline by the chain's clock.
      if (
        delivery.errors.every(({ error }) => outageOf(error) !== undefined) &&
        this.#reader.chainNow() < now.deadline
      ) {
        await this.#sleep(outageWait(this.#interval, ++outages));
        continue;
      }
      // Still due: the failure may be a race (a gas estimate made just before another party's
      // action made this one open the next phase, which costs more), so try a few times.
      if (attempt < MAX_DELIVERY_ATTEMPTS) {
        attempt++;
        await this.#sleep();
        continue;
      }
      const reasons = delivery.errors.map(
        ({ transport, error }) => `${transport}: ${toRoundtableError(error).shortMessage}`,
      );
      throw this.#error(
        "SUBMIT",
        `Party ${view.self} could not deliver its ${actionLabel(action)} in session ${view.sessionId} through any transport (${attempt} attempts). Nothing was lost: run again to retry before the deadline ${new Date(now.deadline * 1000).toISOString()}.`,
        { metaMessages: reasons, cause: delivery.errors[delivery.errors.length - 1]?.error },
      );
    }
  }

  /** Ends an expired session, or reports the outcome the chain implies if that fails. */
  async #expire(view: SessionView, blame: number[]): Promise<PartyOutcome | undefined> {
    if (this.#p.expire !== false && this.#p.walletClient !== undefined) {
      try {
        await expireSession({
          publicClient: this.#p.publicClient,
          walletClient: this.#p.walletClient,
          address: this.#p.address,
          sessionId: view.sessionId,
        });
        this.#progress(
          view,
          `the deadline passed; expired the session, blaming ${partyList(blame)}`,
        );
        return undefined;
      } catch {
        // Another party may have expired it first, or this account has no gas: read again.
        const now = await this.#reader.read();
        if (now.phase !== Phase.Expired) return undefined;
      }
    }
    if (await this.#end.corroborated(view)) await this.#secrets.forget(view);
    else this.#progress(view, unconfirmedNote);
    const outcome: PartyOutcome = {
      status: "aborted",
      sessionId: view.sessionId,
      reason: "expired",
      blame,
    };
    this.#progress(view, describeOutcome(outcome));
    return outcome;
  }

  // ─────────────────────────────────────────────────────────── helpers

  #protocolOf(view: SessionView): SessionProtocol {
    this.#protocol ??= sessionProtocol(view);
    return this.#protocol;
  }

  #isFinalKeygenRound(view: SessionView, round: number): boolean {
    return view.kind === "key-generation" && round === view.roundCount;
  }

  #binding(sessionId: bigint, party: number): SecretBinding {
    return this.#reader.binding(sessionId, party);
  }

  #progress(view: SessionView, note?: string): void {
    this.#emit({
      sessionId: view.sessionId,
      phase: view.phaseName,
      round: view.round,
      acted: view.acted.filter(Boolean).length,
      partyCount: view.parties.length,
      deadline: new Date(view.deadline * 1000),
      chainTime: new Date(this.#reader.chainNow() * 1000),
      ...(note === undefined ? {} : { note }),
    });
  }

  #emit(progress: PartyProgress): void {
    const key = `${progress.phase}/${progress.round}/${progress.acted}/${progress.note ?? ""}`;
    if (key === this.#lastProgress) return;
    this.#lastProgress = key;
    this.#p.onProgress?.(progress);
  }

  #sleep(milliseconds = this.#interval): Promise<void> {
    const signal = this.#p.signal;
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, milliseconds);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  #throwIfStopped(): void {
    const signal = this.#p.signal;
    if (signal?.aborted) {
      const view = this.#reader.view;
      throw this.#error(
        "STOPPED",
        `Stopped while running session ${this.#p.sessionId}. Nothing is lost: run again with the same store to resume${view === undefined ? "" : ` before the deadline ${new Date(view.deadline * 1000).toISOString()}`}.`,
        { cause: signal.reason },
      );
    }
  }

  #error(
    code: PartyErrorCode,
    shortMessage: string,
    extra: { metaMessages?: string[]; cause?: unknown } = {},
  ): PartyError {
    const view = this.#reader.view;
    return new PartyError({
      code,
      sessionId: this.#p.sessionId,
      party: view?.self,
      phase: view === undefined ? undefined : phaseLabel(view),
      shortMessage,
      metaMessages: extra.metaMessages,
      cause: extra.cause,
    });
  }
}

/**
 * The transports when the caller gives none: the wallet sends (and pays), and with a delegate the
 * delegate first sends its own signed actions, the wallet paying if the delegate has no gas.
 */
function defaultTransports(p: RunPartyParameters): Transport[] {
  const base = { publicClient: p.publicClient, address: p.address };
  const wallet =
    p.walletClient === undefined
      ? []
      : [createDirectTransport({ ...base, walletClient: p.walletClient })];
  if (p.delegate === undefined || p.delegate === false) return wallet;
  return [createDirectTransport({ ...base, payer: "delegate" }), ...wallet];
}

/** The fields of an action that this kind leaves empty. */
function noAction(view: SessionView, action: number): UnsignedAction {
  return {
    action,
    sessionId: view.sessionId,
    party: view.self!,
    round: 0,
    accused: 0,
    word: "0x0000000000000000000000000000000000000000000000000000000000000000",
    data: "0x",
  };
}

/** What a step would send, to tell whether a failed step is still due. */
function stepKey(step: PartyStep): string {
  switch (step.kind) {
    case "send":
      return `send/${step.round}/${step.action}`;
    case "complain":
      return `complain/${step.round}/${step.accused}`;
    default:
      return step.kind;
  }
}
