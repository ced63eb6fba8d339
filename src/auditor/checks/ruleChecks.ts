// The contract's own rules, re-checked from events: the configuration's hash, who accepted what
// and who signed each action, commitments and reveals, phases, deadlines and the blame at expiry,
// and the transcript and state the contract holds at the report block.
import { isAddressEqual, keccak256 } from "viem";
import { commitmentOf } from "../../sdk/commitmentOf.js";
import { hashSessionConfig } from "../../sdk/hashSessionConfig.js";
import { sessionConfigProblem } from "../../sdk/sessionConfigProblem.js";
import { transcriptOf } from "../../sdk/transcript.js";
import { phaseName } from "../../sdk/types.js";
import { namedDelegates } from "../rebuildSession.js";
import type { ChainPosition, RecordedAction } from "../types.js";
import { type CheckContext, type CheckOutput, output, partiesText } from "./checkContext.js";

/** Where an event is, for evidence. */
export function position(at: ChainPosition) {
  return {
    block: at.blockNumber,
    transaction: at.transactionHash,
    logIndex: at.logIndex,
    time: at.time,
  };
}

const missingCreation = (id: Parameters<typeof output>[0]) =>
  output(id, "fail", "No SessionCreated event was found for a session the contract knows", {});

/** `config.hash`: the configuration in SessionCreated hashes to its configHash and to the contract's. */
export function checkConfigHash(context: CheckContext): CheckOutput {
  const { created } = context.record;
  if (created === undefined) return missingCreation("config.hash");
  const recomputed = hashSessionConfig(created.config);
  const evidence = {
    recomputed,
    event: created.configHash,
    contract: context.view?.configHash ?? null,
    created: position(created.at),
  };
  if (recomputed !== created.configHash) {
    return output(
      "config.hash",
      "fail",
      `The configuration hashes to ${recomputed}, the event says ${created.configHash}`,
      evidence,
    );
  }
  if (context.view !== undefined && context.view.configHash !== recomputed) {
    return output(
      "config.hash",
      "fail",
      `The contract stores config hash ${context.view.configHash}, the event's configuration hashes to ${recomputed}`,
      evidence,
    );
  }
  return output(
    "config.hash",
    "pass",
    `The configuration recomputes to ${recomputed}, as the contract stores`,
    evidence,
  );
}

/** `acceptance.config-hash`: every acceptance signed (or sent) the session's configuration hash. */
export function checkAcceptanceConfigHash(context: CheckContext): CheckOutput {
  const { created, actions } = context.record;
  if (created === undefined) return missingCreation("acceptance.config-hash");
  const accepts = actions.filter((a) => a.kind === "accept");
  if (accepts.length === 0)
    return output("acceptance.config-hash", "not-applicable", "No party has accepted yet");
  const wrong = accepts.filter(
    (a) =>
      a.origin.signedConfigHash !== undefined &&
      a.origin.signedConfigHash.toLowerCase() !== created.configHash.toLowerCase(),
  );
  // A call through another contract hides its calldata; the transcript folds the hash the contract
  // accepted, so transcript.matches-contract covers those.
  const unread = accepts.filter((a) => a.origin.signedConfigHash === undefined).map((a) => a.party);
  const evidence = {
    configHash: created.configHash,
    acceptances: accepts.map((a) => ({
      party: a.party,
      signed: a.origin.signedConfigHash ?? null,
      ...position(a.at),
    })),
    ...(unread.length > 0 ? { coveredByTranscript: unread } : {}),
  };
  if (wrong.length > 0) {
    return output(
      "acceptance.config-hash",
      "fail",
      `${partiesText(wrong.map((a) => a.party))} accepted another configuration hash`,
      evidence,
    );
  }
  return output(
    "acceptance.config-hash",
    "pass",
    `All ${accepts.length} acceptances are for ${created.configHash}`,
    evidence,
  );
}

function signerCheck(
  context: CheckContext,
  id: "acceptance.signer" | "action.signer",
  actions: readonly RecordedAction[],
  what: string,
  one: string,
): CheckOutput {
  const { created } = context.record;
  if (created === undefined) return missingCreation(id);
  if (actions.length === 0) return output(id, "not-applicable", `No ${what} recorded`);
  // The delegate each party's own acceptance named: the only other key that may sign its rounds
  // (never an acceptance: the account accepts).
  const delegates = namedDelegates(context.record.actions);
  const bad: string[] = [];
  const rows = actions.map((a) => {
    const account = created.config.parties[a.party];
    const delegate = a.kind === "accept" ? undefined : delegates.get(a.party);
    // A direct action's signer is recovered from its transaction's signature: none means the
    // transaction as the provider served it was never signed by its sender (a forged record).
    // A batch or applySigned call that carries no signed item matching the event is not where
    // the event came from: the provider's log is not the chain's. (Only a call through another
    // contract, route "unknown", cannot be read and is bound by the transcript instead.)
    const forged =
      (a.origin.route === "direct" ||
        a.origin.route === "batch" ||
        a.origin.route === "applySigned") &&
      a.origin.signer === undefined;
    const signedBy =
      a.origin.signer === undefined || account === undefined
        ? undefined
        : isAddressEqual(a.origin.signer, account)
          ? "account"
          : delegate !== undefined && isAddressEqual(a.origin.signer, delegate)
            ? "delegate"
            : undefined;
    const ok =
      account !== undefined &&
      isAddressEqual(account, a.account) &&
      !forged &&
      (a.origin.signer === undefined || signedBy !== undefined);
    if (forged) {
      bad.push(
        a.origin.route === "direct"
          ? `party ${a.party}'s ${a.kind} in transaction ${a.at.transactionHash}: the transaction is not this action, or its signature does not recover to its sender ${a.origin.submitter}, so the provider's copy of it is not genuine`
          : `party ${a.party}'s ${a.kind} in transaction ${a.at.transactionHash}: no signed action in the ${a.origin.route} call is this one, so the provider's log is not genuine`,
      );
    } else if (!ok) {
      bad.push(
        `party ${a.party}'s ${a.kind} in transaction ${a.at.transactionHash} was ${a.origin.route === "direct" ? "sent" : "signed"} by ${a.origin.signer ?? a.account}, not by its account ${account ?? "(none)"}${delegate === undefined ? (a.kind === "accept" ? " (an acceptance is the account's alone)" : " (its acceptance named no delegate)") : ` nor by the delegate ${delegate} its acceptance named`}`,
      );
    }
    return {
      party: a.party,
      kind: a.kind,
      account: account ?? null,
      route: a.origin.route,
      submitter: a.origin.submitter,
      signer: a.origin.signer ?? null,
      signedBy: signedBy ?? null,
      delegate: (a.kind === "accept" ? a.delegate : delegate) ?? null,
      signature: a.origin.signature,
      ...position(a.at),
    };
  });
  const wallets = rows.filter((r) => r.signature === "erc1271").length;
  const delegated = rows.filter((r) => r.signedBy === "delegate").length;
  const hidden = rows.filter((r) => r.route === "unknown").length;
  const notes = [
    ...(wallets > 0 ? [`${wallets} by ERC-1271 wallets (contract-verified)`] : []),
    ...(delegated > 0 ? [`${delegated} by the delegates their acceptances named`] : []),
    ...(hidden > 0
      ? [
          `${hidden} through another contract (signer checked by Roundtable, bound by the transcript)`,
        ]
      : []),
  ];
  if (bad.length > 0) return output(id, "fail", bad.join("; "), { actions: rows });
  return output(
    id,
    "pass",
    `Every ${one} is from its party's account${id === "action.signer" ? " or its delegate" : ""}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`,
    { actions: rows },
  );
}

/** `acceptance.signer`: each acceptance is from the party's account (relayed: the recovered signer). */
export function checkAcceptanceSigner(context: CheckContext): CheckOutput {
  return signerCheck(
    context,
    "acceptance.signer",
    context.record.actions.filter((a) => a.kind === "accept"),
    "acceptances",
    "acceptance",
  );
}

/** `action.signer`: each commitment, payload and complaint is from the party's account. */
export function checkActionSigner(context: CheckContext): CheckOutput {
  return signerCheck(
    context,
    "action.signer",
    context.record.actions.filter((a) => a.kind !== "accept"),
    "actions after acceptance",
    "action",
  );
}

/** `reveal.matches-commitment`: each reveal hashes to the commitment its party made for that round. */
export function checkRevealMatchesCommitment(context: CheckContext): CheckOutput {
  const { created, actions, sessionId } = context.record;
  if (created === undefined) return missingCreation("reveal.matches-commitment");
  const commitRounds = created.config.rounds.flatMap((r, i) => (r.commitReveal ? [i + 1] : []));
  if (commitRounds.length === 0) {
    return output(
      "reveal.matches-commitment",
      "not-applicable",
      "No round of this session is commit-then-reveal",
    );
  }
  const commits = new Map(
    actions.filter((a) => a.kind === "commit").map((a) => [`${a.round}/${a.party}`, a]),
  );
  const reveals = actions.filter((a) => a.kind === "submit" && commitRounds.includes(a.round));
  if (reveals.length === 0)
    return output(
      "reveal.matches-commitment",
      "not-applicable",
      "No payload has been revealed yet",
    );
  const bad: string[] = [];
  const rows = reveals.map((a) => {
    const commit = commits.get(`${a.round}/${a.party}`);
    const expected = commitmentOf(sessionId, a.round, a.account, a.data);
    const ok = commit?.commitment?.toLowerCase() === expected.toLowerCase();
    if (!ok)
      bad.push(
        `party ${a.party}'s round-${a.round} reveal does not match ${commit === undefined ? "any commitment" : `its commitment ${commit.commitment}`}`,
      );
    return {
      party: a.party,
      round: a.round,
      commitment: commit?.commitment ?? null,
      recomputed: expected,
      payloadHash: keccak256(a.data),
      ...position(a.at),
    };
  });
  if (bad.length > 0)
    return output("reveal.matches-commitment", "fail", bad.join("; "), { reveals: rows });
  return output(
    "reveal.matches-commitment",
    "pass",
    `All ${reveals.length} reveals match their commitments`,
    { reveals: rows },
  );
}

/** `action.in-phase`: every action in its phase and round, once, phases opened as the schedule says, one end. */
export function checkActionInPhase(context: CheckContext): CheckOutput {
  const { record, replay } = context;
  if (record.created === undefined) return missingCreation("action.in-phase");
  const problems = replay.violations.map((v) => ({
    message: v.message,
    party: v.party ?? null,
    ...position(v.at),
  }));
  const announced = record.phases.map((p) => ({
    round: p.round,
    phase: p.phase,
    deadline: p.deadline,
  }));
  const expected = replay.expectedPhases;
  const same =
    announced.length === expected.length &&
    announced.every(
      (p, i) =>
        p.round === expected[i]!.round &&
        p.phase === expected[i]!.phase &&
        p.deadline === expected[i]!.deadline,
    );
  if (!same) {
    problems.push({
      message: `The contract announced phases ${describePhases(announced)}; the actions imply ${describePhases(expected)}`,
      party: null,
      block: record.phases[0]?.at.blockNumber ?? 0n,
      transaction: record.phases[0]?.at.transactionHash ?? "0x",
      logIndex: 0,
      time: 0n,
    });
  }
  const end = record.end;
  const endProblem = endMismatch(context);
  if (endProblem !== undefined) {
    problems.push({
      message: endProblem,
      party: null,
      ...(end ? position(end.at) : { block: 0n, transaction: "0x", logIndex: 0, time: 0n }),
    });
  }
  for (const at of record.extraEnds) {
    problems.push({
      message: "A second SessionCreated or end event for this session",
      party: null,
      ...position(at),
    });
  }
  const evidence = { actions: record.actions.length, phases: announced, problems };
  if (problems.length > 0)
    return output("action.in-phase", "fail", problems.map((p) => p.message).join("; "), evidence);
  return output(
    "action.in-phase",
    "pass",
    `All ${record.actions.length} actions fall in their phase and round, once per party; ${announced.length} phases opened as scheduled`,
    evidence,
  );
}

function describePhases(
  phases: readonly { round: number; phase: number; deadline: bigint }[],
): string {
  return phases.length === 0
    ? "(none)"
    : phases.map((p) => `${phaseName(p.phase)} r${p.round} until ${p.deadline}`).join(", ");
}

/** Whether the recorded end is the one the actions imply. */
function endMismatch({ record, replay }: CheckContext): string | undefined {
  const end = record.end;
  const created = record.created!;
  if (replay.concluded === "complaint") {
    return end?.kind === "aborted" && end.reason === "complaint"
      ? undefined
      : "A complaint was filed but the session was not aborted for it";
  }
  if (replay.concluded === "agreement") {
    const results = record.actions
      .filter((a) => a.kind === "submit" && a.round === created.config.rounds.length)
      .map((a) => a.data.toLowerCase());
    const agree = results.every((r) => r === results[0]);
    if (agree) {
      if (end?.kind !== "finalized")
        return "Every party submitted the same result but the session did not finalize";
      if (end.result.toLowerCase() !== results[0])
        return `The session finalized with ${end.result}, not the agreed ${results[0]}`;
      return undefined;
    }
    return end?.kind === "aborted" && end.reason === "disagreement"
      ? undefined
      : "The parties' results differ but the session was not aborted for disagreement";
  }
  if (end === undefined) return undefined;
  if (end.kind === "finalized")
    return "The session finalized before every party submitted its result";
  if (end.kind === "cancelled") {
    if (replay.round !== 0) return "The session was cancelled after it started";
    if (end.at.time > replay.deadline)
      return "The session was cancelled after its acceptance deadline";
    return undefined;
  }
  if (end.reason === "expired")
    return end.at.time > replay.deadline
      ? undefined
      : `The session was expired at ${isoTime(end.at.time)}, not after its deadline ${isoTime(replay.deadline)}`;
  return `The session was aborted (${end.reason}) without the actions that cause it`;
}

/** `action.before-deadline`: no action after its phase's deadline. */
export function checkActionBeforeDeadline(context: CheckContext): CheckOutput {
  if (context.record.created === undefined) return missingCreation("action.before-deadline");
  const late = context.replay.late;
  if (context.record.actions.length === 0)
    return output("action.before-deadline", "not-applicable", "No action recorded");
  const evidence = {
    late: late.map((l) => ({
      party: l.party,
      kind: l.kind,
      round: l.round,
      deadline: l.deadline,
      ...position(l.at),
    })),
  };
  if (late.length > 0) {
    return output(
      "action.before-deadline",
      "fail",
      late
        .map(
          (l) =>
            `party ${l.party}'s ${l.kind} at ${isoTime(l.at.time)} came after the deadline ${isoTime(l.deadline)}`,
        )
        .join("; "),
      evidence,
    );
  }
  return output(
    "action.before-deadline",
    "pass",
    `All ${context.record.actions.length} actions came before their phase's deadline`,
    evidence,
  );
}

/** `expiry.blame`: an expiry blames exactly the parties that had not acted in the open phase. */
export function checkExpiryBlame(context: CheckContext): CheckOutput {
  const { record, replay } = context;
  const end = record.end;
  if (record.created === undefined) return missingCreation("expiry.blame");
  if (end?.kind !== "aborted" || end.reason !== "expired") {
    return output("expiry.blame", "not-applicable", "The session did not end by expiry");
  }
  const n = record.created.config.parties.length;
  const silent = Array.from({ length: n }, (_, i) => i).filter((i) => !replay.acted.has(i));
  const evidence = {
    phase: replay.step,
    round: replay.round,
    deadline: replay.deadline,
    expiredAt: position(end.at),
    recordedBlame: end.blame,
    silent,
  };
  const same = silent.length === end.blame.length && silent.every((p, i) => end.blame[i] === p);
  if (!same) {
    return output(
      "expiry.blame",
      "fail",
      `The chain blames ${end.blame.length === 0 ? "nobody" : partiesText(end.blame)}; the parties that had not acted are ${silent.length === 0 ? "none" : silent.join(", ")}`,
      evidence,
    );
  }
  // Declining a configuration that cannot run is what an honest party does: the initiator is at
  // fault, and the parties that did not accept are not named.
  const problem =
    replay.step === "accept"
      ? sessionConfigProblem(record.created.config, { chainId: record.chainId })
      : undefined;
  if (problem !== undefined) {
    return output(
      "expiry.blame",
      "pass",
      `The acceptance expired, and the configuration cannot run (${problem}): its initiator ${record.created.initiator} is at fault, not the ${silent.length === 0 ? "parties" : partiesText(silent)} that did not accept`,
      { ...evidence, unrunnable: problem },
    );
  }
  const findings = silent.map((party) => ({
    check: "expiry.blame" as const,
    party,
    account: record.created?.config.parties[party],
    kind: "silent" as const,
    summary: `Party ${party} did not act in round ${replay.round} before the deadline ${isoTime(replay.deadline)}`,
  }));
  return output(
    "expiry.blame",
    "pass",
    `The expiry blames exactly the silent ${silent.length === 0 ? "(none)" : partiesText(silent)}`,
    evidence,
    findings,
  );
}

/** `transcript.matches-contract`: the transcript folded from events equals the contract's (and the end event's). */
export function checkTranscript(context: CheckContext): CheckOutput {
  const { record, view, reportBlock } = context;
  if (record.created === undefined) return missingCreation("transcript.matches-contract");
  const recomputed = transcriptOf({
    sessionId: record.sessionId,
    actions: record.actions,
    configHash: record.created.configHash,
  });
  const endTranscript =
    record.end !== undefined && record.end.kind !== "cancelled" ? record.end.transcript : undefined;
  const evidence = {
    recomputed,
    contract: view?.transcript ?? null,
    atBlock: reportBlock.number,
    endEvent: endTranscript ?? null,
    actions: record.actions.length,
  };
  if (view === undefined)
    return output(
      "transcript.matches-contract",
      "fail",
      "The contract did not answer transcriptOf",
      evidence,
    );
  const proven = view.provenTranscript;
  if (proven !== undefined && "failure" in proven) {
    return output(
      "transcript.matches-contract",
      "fail",
      `The contract's transcript could not be proven from the trusted block: ${proven.failure}`,
      { ...evidence, proof: proven.failure },
    );
  }
  if (proven !== undefined && proven.value.toLowerCase() !== recomputed.toLowerCase()) {
    return output(
      "transcript.matches-contract",
      "fail",
      `The events fold to ${recomputed}; the transcript proven in storage at block ${reportBlock.number} is ${proven.value}: the provider's log is not the chain's`,
      { ...evidence, proven: proven.value },
    );
  }
  if (view.transcript !== recomputed) {
    return output(
      "transcript.matches-contract",
      "fail",
      `The events fold to ${recomputed}; the contract holds ${view.transcript} at block ${reportBlock.number}: the log is incomplete or altered`,
      evidence,
    );
  }
  if (endTranscript !== undefined && endTranscript !== recomputed) {
    return output(
      "transcript.matches-contract",
      "fail",
      `The end event carries transcript ${endTranscript}, the events fold to ${recomputed}`,
      evidence,
    );
  }
  return output(
    "transcript.matches-contract",
    "pass",
    `The ${record.actions.length} actions fold to ${recomputed}, as the contract holds at block ${reportBlock.number}${proven === undefined ? "" : " (proven in storage from the trusted block)"}`,
    proven === undefined ? evidence : { ...evidence, proven: proven.value },
  );
}

/** `state.matches-contract`: the phase, round and who acted, replayed, equal the contract's sessionState. */
export function checkState(context: CheckContext): CheckOutput {
  const { record, replay, view, reportBlock } = context;
  if (record.created === undefined) return missingCreation("state.matches-contract");
  if (view === undefined)
    return output("state.matches-contract", "fail", "The contract did not answer sessionState");
  const ended = record.end !== undefined;
  let acted = 0n;
  for (const p of replay.acted) acted |= 1n << BigInt(p);
  const replayed = {
    phase: replay.phaseAt(reportBlock.timestamp),
    round: replay.round,
    deadline: replay.deadline,
    acted: ended ? null : acted,
  };
  const contract = {
    phase: view.state.phase,
    round: view.state.round,
    deadline: view.state.deadline,
    acted: ended ? null : view.state.acted,
  };
  const evidence = { replayed, contract, atBlock: reportBlock.number };
  const diffs = (Object.keys(replayed) as (keyof typeof replayed)[]).filter(
    (k) => replayed[k] !== contract[k],
  );
  if (diffs.length > 0) {
    return output(
      "state.matches-contract",
      "fail",
      `The events imply ${diffs.map((k) => `${k} ${show(k, replayed[k])}`).join(", ")}; the contract says ${diffs.map((k) => `${k} ${show(k, contract[k])}`).join(", ")}`,
      evidence,
    );
  }
  return output(
    "state.matches-contract",
    "pass",
    `The contract's state at block ${reportBlock.number} (${phaseName(view.state.phase)}, round ${view.state.round}) is the one the events imply`,
    evidence,
  );
}

function show(key: string, value: unknown): string {
  if (value === null) return "-";
  if (key === "phase") return phaseName(Number(value));
  return String(value);
}

/** A block time (unix seconds) as ISO 8601, as findings are read by people. */
function isoTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000).toISOString().replace(".000Z", "Z");
}
