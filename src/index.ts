// The package's public surface: the one barrel file.
export { commitmentOf } from "./sdk/commitmentOf.js";
export { actionTypedData, roundtableDomain, roundtableTypes } from "./sdk/eip712.js";
export { roundtableAbi } from "./sdk/generated/roundtableAbi.js";
export { hashSessionConfig } from "./sdk/hashSessionConfig.js";
export { type SignActionParameters, signAction } from "./sdk/signAction.js";
export {
  AbortReason,
  ActionType,
  Phase,
  phaseName,
  type RoundSpec,
  type SessionConfig,
  SessionKind,
  type SessionState,
  type SignedAction,
  Status,
  type UnsignedAction,
} from "./sdk/types.js";
