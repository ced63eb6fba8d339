// The party runner: reads the chain, asks the plan for the next step, does it, and repeats until
// the session ends. Every decision starts from the chain and the store, never from memory, so a
// run can be killed at any point and started again with the same store: it re-sends exactly what
// it stored and never computes a round twice once its payload may have left (threat R8).

import { type Address, bytesToHex, type Hex, hexToBytes } from "viem";
import type { RandomSource } from "../protocol/index.js";
import { decodeKeyShare, type KeyShare, ProtocolError, secureRandom } from "../protocol/index.js";
import { expireSession } from "../sdk/actions/expireSession.js";
import type { RoundtablePublicClient, RoundtableWalletClient } from "../sdk/actions/internal.js";
import { commitmentOf } from "../sdk/commitmentOf.js";
import { actionTypedData, roundtableDomain } from "../sdk/eip712.js";
import { RoundtableContractError, toRoundtableError } from "../sdk/errors.js";
import { roundtableAbi } from "../sdk/generated/roundtableAbi.js";
import type { TrustedBlock } from "../sdk/proofs/headerChain.js";
import { RpcDisagreementError } from "../sdk/rpc/rpcErrors.js";
import {
  ActionType,
  Phase,
  phaseName,
  type SessionState,
  Status,
  type UnsignedAction,
} from "../sdk/types.js";
import {
  type AcceptanceSigningRequest,
  acceptAction,
  acceptanceSigningRequest,
  acceptanceSummary,
  delegateAccount,
  encryptionPublicKey,
  newDelegateSecretKey,
  newEncryptionSecretKey,
} from "./acceptance.js";
import { ChainProofs } from "./chainProofs.js";
import { PartyError, type PartyErrorCode } from "./errors.js";
import { judgeAbort } from "./judgeOutcome.js";
import { type LocalProgress, type LocalRound, type PartyStep, planStep } from "./plan.js";
import { computeRound, type SessionProtocol, sessionProtocol } from "./protocolRound.js";
import {
  bindingOf,
  CONFIG_HASH_RECORD,
  DELEGATE_KEY_RECORD,
  decodeRoundRecord,
  ENCRYPTION_KEY_RECORD,
  encodeRoundRecord,
  KEY_SHARE_RECORD,
  type RoundRecord,
  roundRecordName,
} from "./records.js";
import { formatSeconds, type Outage, outageOf, outageWait } from "./rpcOutage.js";
import type { SecretBinding, SecretStore } from "./secretStore.js";
import { readSessionView, type SessionView } from "./sessionView.js";
import {
  type ActionAuthority,
  createDirectTransport,
  deliver,
  type Transport,
} from "./transport.js";
import type { AcceptanceSummary, PartyOutcome, PartyProgress } from "./types.js";
import {
  signingKeyProblem,
  type VerifiedActions,
  type ViewProblem,
  verifyView,
} from "./verifyView.js";

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

/** Consecutive failed chain reads tolerated while polling (a flaky RPC node) before giving up. */
const MAX_READ_FAILURES = 5;

/**
 * Reads in a row that must fail verification before the run stops on an untrusted read. The waits
 * between them double (1, 2, 4, 8, 8 polls): a node still writing a block's logs agrees within
 * milliseconds even when loaded, a lying provider never does, and nothing is sent meanwhile.
 */
const MAX_UNTRUSTED_READS = 6;
const MAX_UNTRUSTED_WAIT_POLLS = 8;

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
  #chainId: number | undefined;
  #view: SessionView | undefined;
  #protocol: SessionProtocol | undefined;
  #confirmed = false;
  #lastProgress = "";
  /** Actions whose signatures this run has checked (see verifyView). */
  readonly #verified: VerifiedActions = new Set();
  readonly #proofs: ChainProofs | undefined;
  /** Deliveries claimed per step that the chain has not shown yet (see #act). */
  readonly #claims = new Map<string, number>();
  /** The chain's clock at the last read: its block's timestamp, and when it was read here. */
  #chainClock: { seconds: number; localMs: number } | undefined;
  /** Whether the provider was last seen down (to say once that it is back). */
  #outage = false;

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
    this.#proofs =
      p.proofs === undefined
        ? undefined
        : new ChainProofs(p.publicClient, p.address, p.proofs.trustedBlock);
  }

  async run(): Promise<PartyOutcome> {
    let fresh = true;
    for (;;) {
      this.#throwIfStopped();
      if (!fresh && !(await this.#phaseChanged())) {
        await this.#sleep();
        continue;
      }
      const view = await this.#read();
      const local = await this.#local(view);
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
          const confirmed = await this.#confirmEnd(view, step.outcome);
          const outcome = await this.#judged(view, step.outcome);
          if (confirmed) await this.#cleanup(view);
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
      (await this.#get(view, binding, ENCRYPTION_KEY_RECORD)) ??
      newEncryptionSecretKey(this.#random);
    // The delegate key is reused like the encryption key: a signature made away from the runner
    // for its address must stay good across runs.
    const storedDelegate = this.#delegated
      ? await this.#get(view, binding, DELEGATE_KEY_RECORD)
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
    if (step.newEncryptionKey) await this.#put(view, binding, ENCRYPTION_KEY_RECORD, secret);
    if (delegateKey !== undefined && storedDelegate === undefined) {
      await this.#put(view, binding, DELEGATE_KEY_RECORD, delegateKey);
    }
    await this.#put(view, binding, CONFIG_HASH_RECORD, hexToBytes(view.configHash));
    if (delegate === undefined) {
      await this.#act(view, step, accept, "accepted and registered an encryption key");
      return;
    }
    const signature = await this.#signAcceptance(view, accept, summary);
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

  /**
   * The account's signature over the acceptance: from `signAcceptance` (away from the runner) or
   * the wallet, checked against the account (ECDSA or ERC-1271, at the latest block) before use.
   */
  async #signAcceptance(
    view: SessionView,
    accept: UnsignedAction,
    summary: AcceptanceSummary,
  ): Promise<Hex> {
    const request = acceptanceSigningRequest(view, this.#account, accept, summary);
    const options = typeof this.#p.delegate === "object" ? this.#p.delegate : {};
    const wallet = this.#p.walletClient;
    let signature: Hex;
    if (options.signAcceptance !== undefined) signature = await options.signAcceptance(request);
    else if (wallet !== undefined) {
      signature = await wallet.signTypedData({ account: wallet.account, ...request.typedData });
    } else {
      throw this.#error(
        "REFUSED",
        `Nothing can sign party ${accept.party}'s acceptance of session ${view.sessionId}: give the account's wallet, or a signAcceptance for a signature made elsewhere. Nothing was sent.`,
      );
    }
    this.#throwIfStopped();
    const valid = await this.#p.publicClient
      .verifyHash({ address: this.#account, hash: request.digest, signature })
      .catch(() => false);
    if (!valid) {
      throw this.#error(
        "REFUSED",
        `The acceptance signature given is not account ${this.#account}'s over digest ${request.digest} (domain separator ${request.domainSeparator}, struct hash ${request.structHash}): neither its ECDSA signature nor one its ERC-1271 wallet accepts. Nothing was sent; sign that digest with the party's account and run again.`,
      );
    }
    return signature;
  }

  /**
   * The signature of a round action by this party's delegate, when its acceptance on chain named
   * one. The store must hold that delegate's key; without it the account signs (if a wallet runs).
   */
  async #delegateAuthority(
    view: SessionView,
    action: UnsignedAction,
  ): Promise<ActionAuthority | undefined> {
    const named = view.delegates[action.party];
    if (named === undefined) return undefined;
    const key = await this.#get(
      view,
      this.#binding(view.sessionId, action.party),
      DELEGATE_KEY_RECORD,
    );
    const delegate = key === undefined ? undefined : delegateAccount(key);
    if (delegate !== undefined && delegate.address.toLowerCase() === named.toLowerCase()) {
      const signature = await delegate.signTypedData(
        actionTypedData(roundtableDomain(view.chainId, view.contract), action),
      );
      return { signature, delegate };
    }
    if (this.#p.walletClient !== undefined) return undefined;
    throw this.#error(
      "STORE",
      `Party ${action.party}'s acceptance of session ${view.sessionId} named delegate ${named}, but the secret store holds ${delegate === undefined ? "no delegate key" : `the key of ${delegate.address}`}, and no wallet of the account is given to sign instead. Run with the store used to accept, or with the account's key file.`,
    );
  }

  async #send(view: SessionView, step: Extract<PartyStep, { kind: "send" }>): Promise<void> {
    const self = view.self!;
    const { round } = step;
    const binding = this.#binding(view.sessionId, self);
    let record = step.stored ? await this.#record(view, binding, round) : undefined;
    if (record === undefined) {
      record = await this.#compute(view, binding, round);
      // A complaint replaces the payload: the next plan files it.
      if (record.kind === "blame") return;
    } else if (record.kind === "payload" && this.#isFinalKeygenRound(view, round)) {
      // The key share is written before the round-3 record; restore it if it went missing since.
      const share = await this.#get(view, binding, KEY_SHARE_RECORD);
      if (share === undefined) await this.#put(view, binding, KEY_SHARE_RECORD, record.state);
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
      const previous = await this.#record(view, binding, round - 1);
      if (previous?.kind === "payload") previousState = previous.state;
    }
    const secrets =
      view.kind === "key-generation"
        ? { encryptionSecretKey: await this.#get(view, binding, ENCRYPTION_KEY_RECORD) }
        : { keyShare: await this.#keyShare(view) };
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
      await this.#put(view, binding, KEY_SHARE_RECORD, computed.keyShare);
    }
    await this.#put(view, binding, roundRecordName(round), encodeRoundRecord(computed.record));
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
      const now = await this.#read();
      const next = planStep(now, await this.#local(now));
      if (stepKey(next) !== stepKey(step)) return;
      // A provider (or relayer) that does not answer costs no attempt: wait, growing the wait,
      // until the deadline by the chain's clock.
      if (
        delivery.errors.every(({ error }) => outageOf(error) !== undefined) &&
        this.#chainNow() < now.deadline
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
        const now = await this.#read();
        if (now.phase !== Phase.Expired) return undefined;
      }
    }
    if (await this.#endCorroborated(view)) await this.#cleanup(view);
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

  /**
   * Round secrets go only at a verified end: a finalized result must be the one this party
   * computed itself (its stored agreement payload), so a provider that fakes "finalized" with
   * another result, or before this party's own agreement landed, cannot make it forget anything.
   */
  async #confirmEnd(view: SessionView, outcome: PartyOutcome): Promise<boolean> {
    if (view.self === undefined) return true;
    // A complaint or a disagreement ends a session by signed, verified actions; an expiry or a
    // cancellation by nothing a party signed, so one provider's word is not enough to forget.
    if (outcome.status === "cancelled") return this.#endCorroborated(view);
    if (outcome.status === "aborted") {
      return outcome.reason === "expired" ? this.#endCorroborated(view) : true;
    }
    const binding = this.#binding(view.sessionId, view.self);
    const own = await this.#record(view, binding, view.roundCount);
    const mine = view.payloads[view.roundCount - 1]?.get(view.self);
    const computed = own?.kind === "payload" ? bytesToHex(own.payload) : undefined;
    const problems: string[] = [];
    if (computed === undefined) {
      // Already cleaned up by an earlier run: nothing left to lose.
      if ((await this.#get(view, binding, ENCRYPTION_KEY_RECORD)) === undefined) return true;
      problems.push("this party has not computed a result, so the session cannot have finalized");
    } else if (computed.toLowerCase() !== outcome.result.toLowerCase()) {
      problems.push(`the result served is ${outcome.result}, but this party computed ${computed}`);
    } else if (mine === undefined || mine.toLowerCase() !== computed.toLowerCase()) {
      problems.push("the logs do not hold this party's own agreement");
    }
    if (problems.length === 0) return true;
    throw this.#error(
      "UNTRUSTED_READ",
      `Session ${view.sessionId} is reported finalized, but ${problems.join("; ")}. Nothing was deleted from the store. Check the session through another provider, or several (--rpc-url more than once), and run again.`,
    );
  }

  /**
   * Whether an end that no party signed (an expiry, a cancellation) is confirmed by more than one
   * provider's word: several providers in quorum, or the session's stored status proven against a
   * header linked to the trusted block.
   */
  async #endCorroborated(view: SessionView): Promise<boolean> {
    const transport = this.#p.publicClient.transport as { quorum?: unknown };
    if (typeof transport.quorum === "number" && transport.quorum >= 2) return true;
    const status = await this.#proofs?.status(view.sessionId, view.blockNumber);
    return status === Status.Aborted || status === Status.Cancelled;
  }

  /** An aborted outcome with its culprits judged from the record, as the auditor judges them. */
  async #judged(view: SessionView, outcome: PartyOutcome): Promise<PartyOutcome> {
    if (outcome.status !== "aborted" || outcome.reason === "expired") return outcome;
    let keyShare: KeyShare | undefined;
    if (view.kind === "signing") {
      const bytes = await this.#keyShare(view);
      try {
        keyShare = bytes === undefined ? undefined : decodeKeyShare(bytes);
      } catch (error) {
        throw this.#storeError(view, `decode ${KEY_SHARE_RECORD}`, error);
      }
    }
    const { blame, finding } = judgeAbort(view, this.#protocolOf(view), keyShare);
    return { ...outcome, blame, ...(finding === undefined ? {} : { finding }) };
  }

  /** After the end, round states (polynomial coefficients, nonces) and the encryption key go. */
  async #cleanup(view: SessionView): Promise<void> {
    if (view.self === undefined) return;
    const binding = this.#binding(view.sessionId, view.self);
    const names = [ENCRYPTION_KEY_RECORD, DELEGATE_KEY_RECORD];
    for (let round = 1; round <= view.roundCount; round++) names.push(roundRecordName(round));
    for (const name of names) {
      try {
        await this.#p.store.delete(binding, name);
      } catch (error) {
        throw this.#storeError(view, `delete ${name}`, error);
      }
    }
  }

  // ─────────────────────────────────────────────────────────── reads

  async #read(): Promise<SessionView> {
    let untrusted = 0;
    let outageSince: number | undefined;
    for (let failures = 1; ; failures++) {
      try {
        this.#chainId ??= await this.#p.publicClient.getChainId();
        const view = await readSessionView({
          publicClient: this.#p.publicClient,
          address: this.#p.address,
          sessionId: this.#p.sessionId,
          account: this.#account,
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
          this.#progress(view, "the RPC provider answers again; carrying on");
        }
        return view;
      } catch (error) {
        if (error instanceof PartyError) {
          // A node can answer a read at a block before its logs for that block are indexed; an
          // honest provider's view agrees a poll later, a lying one's never does.
          if (error.code !== "UNTRUSTED_READ" || ++untrusted >= MAX_UNTRUSTED_READS) throw error;
          const polls = Math.min(2 ** (untrusted - 1), MAX_UNTRUSTED_WAIT_POLLS);
          for (let wait = 0; wait < polls; wait++) await this.#sleep();
          this.#throwIfStopped();
          continue;
        }
        const disagreement = findCause(error, RpcDisagreementError);
        if (disagreement !== undefined) {
          // Providers that contradict each other are not a hiccup to retry: stop before acting.
          throw this.#error(
            "UNTRUSTED_READ",
            `Stopped session ${this.#p.sessionId} before acting: ${disagreement.shortMessage}`,
            { metaMessages: disagreement.metaMessages ?? [], cause: error },
          );
        }
        const reason = toRoundtableError(error);
        if (reason instanceof RoundtableContractError) {
          throw this.#error(
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
          throw this.#error(
            "CHAIN",
            `Could not read session ${this.#p.sessionId}: ${reason.shortMessage}. Run again to resume; nothing is lost.`,
            { cause: error },
          );
        }
        await this.#sleep();
        this.#throwIfStopped();
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
    const secondsLeft = view === undefined ? 0 : view.deadline - this.#chainNow();
    if (view === undefined ? attempt >= MAX_READ_FAILURES : secondsLeft <= 0) {
      const deadline =
        view === undefined
          ? ""
          : `, and the deadline ${new Date(view.deadline * 1000).toISOString()} has passed by the chain's clock`;
      throw this.#error(
        "CHAIN",
        `Could not read session ${this.#p.sessionId}: the RPC provider ${outage.provider} has not answered for ${down} (${outage.reason})${deadline}. Run again to resume; nothing is lost.`,
        { cause: error },
      );
    }
    const wait =
      view === undefined
        ? outageWait(this.#interval, attempt)
        : Math.min(outageWait(this.#interval, attempt), Math.ceil(secondsLeft * 1000));
    if (view !== undefined) {
      this.#progress(
        view,
        `the RPC provider ${outage.provider} is unreachable (${outage.reason}) for ${down}; retrying in ${formatSeconds(wait / 1000)}, until the deadline`,
      );
    }
    this.#outage = true;
    await this.#sleep(wait);
    this.#throwIfStopped();
  }

  /** Now, by the chain's clock: the last block read, plus the local time since it was read. */
  #chainNow(): number {
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
      const bytes = await this.#get(
        view,
        this.#binding(view.sessionId, view.self),
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
    throw this.#error(
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
    throw this.#error(
      "UNTRUSTED_READ",
      "failure" in proven
        ? `Stopped session ${view.sessionId}: the provider's chain does not prove out from trusted block ${this.#p.proofs?.trustedBlock.number} (${proven.failure}). Nothing was sent on it. Use another provider, or check the trusted block, and run again.`
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
    const keyBinding = this.#binding(signing.keySession, signing.keyIndex);
    const pinned = await this.#get(view, keyBinding, CONFIG_HASH_RECORD);
    const share = await this.#get(view, keyBinding, KEY_SHARE_RECORD);
    try {
      return signingKeyProblem(signing, pinned, share);
    } catch (error) {
      throw this.#storeError(view, `decode ${KEY_SHARE_RECORD}`, error);
    }
  }

  /** One cheap read while waiting: has the phase or round moved? Reports progress on the way. */
  async #phaseChanged(): Promise<boolean> {
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
    this.#emit({
      sessionId: view.sessionId,
      phase: phaseName(state.phase),
      round: state.round,
      acted,
      partyCount: state.partyCount,
      deadline: new Date(state.deadline * 1000),
      chainTime: new Date(this.#chainNow() * 1000),
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

  /** What the store says, without keeping any secret in the result. */
  async #local(view: SessionView): Promise<LocalProgress> {
    const rounds = new Map<number, LocalRound>();
    let encryptionKey: Hex | undefined;
    let hasKeyShare = false;
    if (view.self !== undefined) {
      const binding = this.#binding(view.sessionId, view.self);
      const secret = await this.#get(view, binding, ENCRYPTION_KEY_RECORD);
      if (secret !== undefined) encryptionKey = encryptionPublicKey(secret);
      for (let round = 1; round <= view.roundCount; round++) {
        const record = await this.#record(view, binding, round);
        if (record?.kind === "payload") rounds.set(round, { kind: "payload" });
        if (record?.kind === "blame") {
          rounds.set(round, {
            kind: "blame",
            accused: record.accused,
            evidence: bytesToHex(record.evidence),
          });
        }
      }
      if (view.kind === "signing") hasKeyShare = (await this.#keyShare(view)) !== undefined;
    }
    return { encryptionKey, rounds, hasKeyShare, confirmed: this.#confirmed };
  }

  /** The key share a signing session signs with: stored by the key generation, under its binding. */
  async #keyShare(view: SessionView): Promise<Uint8Array | undefined> {
    const signing = view.signing;
    if (signing?.keyIndex === undefined) return undefined;
    return this.#get(view, this.#binding(signing.keySession, signing.keyIndex), KEY_SHARE_RECORD);
  }

  async #record(
    view: SessionView,
    binding: SecretBinding,
    round: number,
  ): Promise<RoundRecord | undefined> {
    const bytes = await this.#get(view, binding, roundRecordName(round));
    if (bytes === undefined) return undefined;
    try {
      return decodeRoundRecord(bytes, round);
    } catch (error) {
      throw this.#storeError(view, `read ${roundRecordName(round)}`, error);
    }
  }

  async #get(
    view: SessionView,
    binding: SecretBinding,
    name: string,
  ): Promise<Uint8Array | undefined> {
    try {
      return await this.#p.store.get(binding, name);
    } catch (error) {
      throw this.#storeError(view, `read ${name}`, error);
    }
  }

  async #put(
    view: SessionView,
    binding: SecretBinding,
    name: string,
    value: Uint8Array,
  ): Promise<void> {
    try {
      await this.#p.store.put(binding, name, value);
    } catch (error) {
      throw this.#storeError(view, `write ${name}`, error);
    }
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
    return bindingOf(this.#chainId!, this.#p.address, sessionId, party);
  }

  #progress(view: SessionView, note?: string): void {
    this.#emit({
      sessionId: view.sessionId,
      phase: view.phaseName,
      round: view.round,
      acted: view.acted.filter(Boolean).length,
      partyCount: view.parties.length,
      deadline: new Date(view.deadline * 1000),
      chainTime: new Date(this.#chainNow() * 1000),
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
      const view = this.#view;
      throw this.#error(
        "STOPPED",
        `Stopped while running session ${this.#p.sessionId}. Nothing is lost: run again with the same store to resume${view === undefined ? "" : ` before the deadline ${new Date(view.deadline * 1000).toISOString()}`}.`,
        { cause: signal.reason },
      );
    }
  }

  #storeError(view: SessionView, what: string, error: unknown): PartyError {
    // Store errors name files and bindings, never contents.
    const message = error instanceof Error ? error.message : String(error);
    return this.#error(
      "STORE",
      `The secret store failed to ${what} for session ${view.sessionId}: ${message}`,
      { cause: error },
    );
  }

  #error(
    code: PartyErrorCode,
    shortMessage: string,
    extra: { metaMessages?: string[]; cause?: unknown } = {},
  ): PartyError {
    const view = this.#view;
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

/** Said when an end is not confirmed: the round secrets stay (encrypted) in the store. */
const unconfirmedNote =
  "the end is one provider's word: round secrets are kept in the store; run again with several --rpc-url or --trusted-block to confirm it and delete them";

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

function phaseLabel(view: SessionView): string {
  return view.round === 0 ? view.phaseName : `${view.phaseName} (round ${view.round})`;
}

function partyList(parties: readonly number[]): string {
  if (parties.length === 0) return "nobody";
  return `part${parties.length === 1 ? "y" : "ies"} ${parties.join(", ")}`;
}

function describeOutcome(outcome: PartyOutcome): string {
  switch (outcome.status) {
    case "finalized":
      return "finalized: every party agreed on the result";
    case "cancelled":
      return "cancelled by its initiator";
    case "aborted":
      return outcome.reason === "expired"
        ? `aborted at the deadline; blamed ${partyList(outcome.blame)}`
        : outcome.reason === "complaint"
          ? `aborted by a complaint; the evidence names ${partyList(outcome.blame)}${outcome.finding === undefined ? "" : ` (${outcome.finding})`}`
          : `aborted: the parties' results disagree; wrong: ${partyList(outcome.blame)}`;
  }
}

/** An action in words, for messages. */
function actionLabel(action: UnsignedAction): string {
  switch (action.action) {
    case ActionType.Accept:
      return "acceptance";
    case ActionType.Commit:
      return `round-${action.round} commitment`;
    case ActionType.Submit:
      return `round-${action.round} payload`;
    default:
      return `complaint against party ${action.accused}`;
  }
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
