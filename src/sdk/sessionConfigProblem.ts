import { frostKeygen, frostSigning } from "../protocol/index.js";
import { RoundtableInputError } from "./errors.js";
import { messagePreimageProblem } from "./messagePreimage.js";
import { ciphersuiteName, protocolName } from "./protocolIds.js";
import { type SessionConfig, SessionKind } from "./types.js";

const rounds = {
  "frost-keygen": frostKeygen.rounds,
  "frost-signing": frostSigning.rounds,
} as const;
const kinds = {
  "frost-keygen": SessionKind.KeyGeneration,
  "frost-signing": SessionKind.Signing,
} as const;

/**
 * Why a configuration cannot be run by the protocol it names, or undefined when it can. The one
 * rule a party applies before accepting (it declines) and the auditor applies to an acceptance
 * that expired (the initiator is at fault, not the parties that declined). The contract already
 * refuses what it can check itself (party count, threshold, schedule bounds).
 *
 * @example
 * const problem = sessionConfigProblem(session.config);
 * if (problem) console.log(`decline: ${problem}`);
 */
export function sessionConfigProblem(
  config: SessionConfig,
  /** The session's chain: an intent or user operation for another chain is declined. */
  { chainId }: { chainId?: number | undefined } = {},
): string | undefined {
  let name: keyof typeof rounds;
  try {
    name = protocolName(config.protocol);
    ciphersuiteName(config.ciphersuite);
  } catch (error) {
    if (error instanceof RoundtableInputError) return error.shortMessage;
    throw error;
  }
  if (kinds[name] !== config.kind) {
    const kind = config.kind === SessionKind.Signing ? "signing" : "key-generation";
    return `it is a ${kind} session but names the ${name} protocol`;
  }
  if (config.rounds.length !== rounds[name]) {
    return `it schedules ${config.rounds.length} rounds, but ${name} has ${rounds[name]} (the last being agreement)`;
  }
  if (config.threshold < 2 || config.threshold > config.parties.length) {
    return `its threshold ${config.threshold} is not between 2 and its ${config.parties.length} parties`;
  }
  // A signing session's parameters are the preimage of its message (see messagePreimage.ts); no
  // protocol takes any other.
  if (config.kind === SessionKind.Signing)
    return messagePreimageProblem(config.message, config.params, { chainId });
  if (config.params !== "0x")
    return `it carries parameters (${config.params}) that ${name} does not take`;
  return undefined;
}
