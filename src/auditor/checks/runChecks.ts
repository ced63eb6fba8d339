// Every named check, in report order, as pure functions of what the audit read.
import type { CheckResult, Finding } from "../types.js";
import type { CheckContext, CheckOutput } from "./checkContext.js";
import {
  checkComplaintVerdict,
  checkGroupKey,
  checkKeygenAgreement,
  checkProofOfKnowledge,
} from "./keygenChecks.js";
import { checkBlockHashes, checkCrossCheck } from "./readChecks.js";
import {
  checkAcceptanceConfigHash,
  checkAcceptanceSigner,
  checkActionBeforeDeadline,
  checkActionInPhase,
  checkActionSigner,
  checkConfigHash,
  checkExpiryBlame,
  checkRevealMatchesCommitment,
  checkState,
  checkTranscript,
} from "./ruleChecks.js";
import {
  checkMessagePreimage,
  checkSignature,
  checkSignersHoldKey,
  checkSigningAgreement,
} from "./signingChecks.js";

/**
 * Runs every check on one session's context, in the documented order.
 * @example
 * ```ts
 * const { checks, findings } = runChecks(context, 2);
 * const failed = checks.filter((c) => c.status === "fail");
 * ```
 */
export function runChecks(
  context: CheckContext,
  rpcCount: number,
): { checks: CheckResult[]; findings: Finding[] } {
  const outputs: CheckOutput[] = [
    checkConfigHash(context),
    checkAcceptanceConfigHash(context),
    checkAcceptanceSigner(context),
    checkActionSigner(context),
    checkRevealMatchesCommitment(context),
    checkActionInPhase(context),
    checkActionBeforeDeadline(context),
    checkExpiryBlame(context),
    checkTranscript(context),
    checkState(context),
    checkProofOfKnowledge(context),
    checkGroupKey(context),
    checkKeygenAgreement(context),
    checkComplaintVerdict(context),
    checkSignersHoldKey(context),
    checkMessagePreimage(context),
    checkSignature(context),
    checkSigningAgreement(context),
    checkCrossCheck(context, rpcCount),
    checkBlockHashes(context),
  ];
  return {
    checks: outputs.map((o) => o.result),
    findings: outputs.flatMap((o) => o.findings),
  };
}
