// The package's public surface: the one barrel file.

export {
  auditSession,
  createAuditCaches,
} from "./auditor/auditSession.js";
export {
  type AuditSummary,
  auditSessions,
  type SessionSelection,
  UnknownSessionError,
} from "./auditor/auditSessions.js";
export { runChecks } from "./auditor/checks/runChecks.js";
export {
  ChainReadError,
  type ChainReader,
  createChainReader,
  type ReadScope,
  type ReportBlock,
  type ReportBlockChoice,
  type RpcEndpoint,
} from "./auditor/readChain.js";
export { rebuildSession } from "./auditor/rebuildSession.js";
export { escapeHtml, HtmlReport } from "./auditor/report/html.js";
export { AUDIT_REPORT_VERSION, jsonReportWriter, sessionJson } from "./auditor/report/json.js";
export { textHead, textSession, textTail } from "./auditor/report/text.js";
export { type SessionTimeline, sessionTimeline, textTimeline } from "./auditor/report/timeline.js";
export {
  type CheckId,
  type CheckResult,
  checkIds,
  type Finding,
  type SessionAudit,
  type SessionOutcome,
  type SessionRecord,
} from "./auditor/types.js";
export {
  PartyError,
  type PartyErrorCode,
  type PartyErrorParameters,
  partyErrorCodes,
} from "./party/errors.js";
export {
  type LocalProgress,
  type LocalRound,
  type PartyStep,
  type PlanView,
  planStep,
} from "./party/plan.js";
export {
  ENCRYPTION_KEY_RECORD,
  KEY_SHARE_RECORD,
  roundRecordName,
} from "./party/records.js";
export {
  type CreateRelayedTransportParameters,
  createRelayedTransport,
  RelayerDeliveryError,
} from "./party/relayedTransport.js";
export {
  type AcceptanceSummary,
  type PartyOutcome,
  type PartyProgress,
  type RunPartyParameters,
  runParty,
} from "./party/runParty.js";
export type { SecretBinding, SecretStore } from "./party/secretStore.js";
export {
  type AbortCause,
  type FiledComplaint,
  type ReadSessionViewParameters,
  readSessionView,
  type SessionView,
  type SigningKeyView,
} from "./party/sessionView.js";
export {
  type CreateDirectTransportParameters,
  createDirectTransport,
  type Delivery,
  deliver,
  type Transport,
  type TransportReceipt,
} from "./party/transport.js";
export {
  parseRelayerOptions,
  type RelayerOptions,
  RelayerOptionsError,
  type RelayerOptionsInput,
  resolveRelayerOptions,
} from "./relayer/options.js";
export {
  type CreateRelayerParameters,
  createRelayer,
  createRelayerApp,
  type Relayer,
} from "./relayer/server.js";
export type { ActionReason, ActionStatus } from "./relayer/store.js";
export { parseActionBody } from "./relayer/validateAction.js";
export {
  type AcceptSessionErrorType,
  type AcceptSessionParameters,
  type AcceptSessionReturnType,
  acceptSession,
} from "./sdk/actions/acceptSession.js";
export {
  type CancelSessionErrorType,
  type CancelSessionParameters,
  type CancelSessionReturnType,
  cancelSession,
} from "./sdk/actions/cancelSession.js";
export {
  type CreateSessionErrorType,
  type CreateSessionParameters,
  type CreateSessionReturnType,
  createSession,
} from "./sdk/actions/createSession.js";
export {
  type ExpireSessionErrorType,
  type ExpireSessionParameters,
  type ExpireSessionReturnType,
  expireSession,
} from "./sdk/actions/expireSession.js";
export {
  type FileComplaintErrorType,
  type FileComplaintParameters,
  type FileComplaintReturnType,
  fileComplaint,
} from "./sdk/actions/fileComplaint.js";
export {
  type FindInvitationsErrorType,
  type FindInvitationsParameters,
  type FindInvitationsReturnType,
  findInvitations,
  type Invitation,
} from "./sdk/actions/findInvitations.js";
export {
  defaultLogPageSize,
  type GetSessionEventsErrorType,
  type GetSessionEventsParameters,
  type GetSessionEventsReturnType,
  getSessionEvents,
  type RoundtableEventLog,
  type RoundtableEventName,
} from "./sdk/actions/getSessionEvents.js";
export type {
  RoundtablePublicClient,
  RoundtableReceipt,
  RoundtableWalletClient,
} from "./sdk/actions/internal.js";
export {
  type ReadSessionErrorType,
  type ReadSessionParameters,
  type ReadSessionReturnType,
  readSession,
} from "./sdk/actions/readSession.js";
export {
  type SubmitCommitmentErrorType,
  type SubmitCommitmentParameters,
  type SubmitCommitmentReturnType,
  submitCommitment,
} from "./sdk/actions/submitCommitment.js";
export {
  type SubmitPayloadErrorType,
  type SubmitPayloadParameters,
  type SubmitPayloadReturnType,
  submitPayload,
} from "./sdk/actions/submitPayload.js";
export {
  type SignedActionOutcome,
  type SubmitSignedActionsErrorType,
  type SubmitSignedActionsParameters,
  type SubmitSignedActionsReturnType,
  submitSignedActions,
} from "./sdk/actions/submitSignedActions.js";
export {
  type SessionPhaseChange,
  type WatchSessionParameters,
  type WatchSessionReturnType,
  watchSession,
} from "./sdk/actions/watchSession.js";
export { commitmentOf } from "./sdk/commitmentOf.js";
export {
  type AcceptData,
  actionTypedData,
  decodeAcceptData,
  encodeAcceptData,
  keyProofTypedData,
  keyProofTypes,
  roundtableDomain,
  roundtableTypes,
} from "./sdk/eip712.js";
export {
  type KeyProofDigestParameters,
  keyProofDigest,
  type ProveEncryptionKeyParameters,
  proveEncryptionKey,
} from "./sdk/encryptionKeyProof.js";
export {
  decodeRoundtableError,
  isRoundtableContractError,
  RoundtableContractError,
  RoundtableError,
  type RoundtableErrorArgs,
  type RoundtableErrorName,
  type RoundtableErrorParameters,
  type RoundtableErrorType,
  RoundtableInputError,
  roundtableErrorMessages,
  toRoundtableError,
} from "./sdk/errors.js";
export { roundtableAbi } from "./sdk/generated/roundtableAbi.js";
export { hashSessionConfig } from "./sdk/hashSessionConfig.js";
export {
  createHeaderChain,
  type HeaderChain,
  type TrustedBlock,
} from "./sdk/proofs/headerChain.js";
export { ProofError, type ProofFailure } from "./sdk/proofs/ProofError.js";
export { verifiedGetLogs, verifyBlockLogs } from "./sdk/proofs/receipts.js";
export { transcriptSlot, verifyStorageSlot } from "./sdk/proofs/storage.js";
export {
  ciphersuiteId,
  ciphersuiteName,
  DEFAULT_ACCEPTANCE_DURATION,
  DEFAULT_ROUND_DURATION,
  type KeygenConfigParameters,
  keygenConfig,
  type ProtocolName,
  protocolId,
  protocolName,
  protocolNames,
  type SessionDurations,
  type SigningConfigParameters,
  signingConfig,
} from "./sdk/protocolIds.js";
export { recoverTransactionSender } from "./sdk/recoverTransactionSender.js";
export { actionDigest, relayerActionId } from "./sdk/relayerActionId.js";
export {
  type QuorumProvider,
  type QuorumTransport,
  type QuorumTransportParameters,
  quorumTransport,
} from "./sdk/rpc/quorumTransport.js";
export { RpcDisagreementError, RpcQuorumUnavailableError } from "./sdk/rpc/rpcErrors.js";
export { sessionConfigProblem } from "./sdk/sessionConfigProblem.js";
export {
  type SessionFingerprintParameters,
  sessionFingerprint,
} from "./sdk/sessionFingerprint.js";
export { type SignActionParameters, signAction } from "./sdk/signAction.js";
export {
  actionStructHash,
  foldTranscript,
  type TranscriptAction,
  transcriptOf as auditTranscriptOf,
  transcriptOf,
} from "./sdk/transcript.js";
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
export {
  type ReportedAction,
  type VerifiedOrigin,
  verifyActionOrigin,
} from "./sdk/verifyActionOrigin.js";
