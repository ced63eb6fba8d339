// Public API of the protocol layer: pure TypeScript, no I/O, Uint8Array everywhere.

export {
  type Ciphersuite,
  type CiphersuiteId,
  ciphersuiteIds,
  DEFAULT_CIPHERSUITE,
  getCiphersuite,
  RFC9591_CIPHERSUITE,
  TAPROOT_CIPHERSUITE,
} from "./ciphersuite.js";
export {
  type ComplaintEvidence,
  type CreateComplaintParameters,
  createComplaint,
  decodeComplaintEvidence,
  encodeComplaintEvidence,
} from "./complaint.js";
export { MAX_PARTIES } from "./context.js";
export { verifyProofOfKnowledge } from "./dkg.js";
export { DLEQ_PROOF_LENGTH } from "./dleq.js";
export { ENCODING_VERSION, EncodingType } from "./encoding.js";
export {
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolErrorParameters,
  protocolErrorCodes,
} from "./errors.js";
export {
  type AgreementVerdict,
  type Complaint,
  type ComplaintVerdict,
  judgeAgreement,
  judgeComplaint,
} from "./judge.js";
export {
  frostKeygen,
  type KeygenParams,
  type KeygenResult,
  type KeygenSecrets,
} from "./keygenProtocol.js";
export { KEY_PROOF_LENGTH, proveKeyPossession, verifyKeyPossession } from "./keyProof.js";
export {
  ciphertextSlot,
  decodeGroupKey,
  decodeKeygenRound1,
  decodeKeygenRound2,
  decodeSignature,
  decodeSigningRound1,
  decodeSigningRound2,
  encodeKeygenRound1,
  encodeKeygenRound2,
  encodeSigningRound1,
  encodeSigningRound2,
  type KeygenRound1Payload,
  type KeygenRound1Shape,
  type KeygenRound2Payload,
  type ReadKeygenRound1,
  readKeygenRound1,
  type SigningRound1Payload,
  type SigningRound2Payload,
} from "./payloads.js";
export { checkKeygenRound1Payload } from "./publicChecks.js";
export {
  decodePublicFaultEvidence,
  encodePublicFaultEvidence,
  PUBLIC_FAULT_EVIDENCE_LENGTH,
  type PublicFaultEvidence,
} from "./publicFault.js";
export { secureRandom } from "./random.js";
export type { PublicRecord, SigningRecord } from "./recordChecks.js";
export { BINDING_SIGNATURE_LENGTH } from "./round1Binding.js";
export {
  assertUnconsumed,
  decodeKeygenState,
  decodeKeyShare,
  decodeSigningState,
  encodeKeygenState,
  encodeKeyShare,
  encodeSigningState,
  type KeygenState,
  type KeyShare,
  type SigningState,
} from "./secretState.js";
export {
  type DecryptShareParameters,
  type DecryptWithSharedPointParameters,
  decryptShare,
  decryptShareWithSharedPoint,
  type EncryptShareParameters,
  encryptShare,
  SHARE_CIPHERTEXT_LENGTH,
} from "./shareEncryption.js";
export {
  aggregateSignature,
  commitNonces,
  groupPublicKey,
  type PublicKeyPackage,
  type SigningCommitment,
  type SigningNonces,
  signShare,
  verifySignatureShare,
} from "./signing.js";
export { keyFromKeygenRecord, type SigningKeyMaterial } from "./signingKey.js";
export {
  frostSigning,
  MESSAGE_DIGEST_LENGTH,
  type SigningParams,
  type SigningResult,
  type SigningSecrets,
} from "./signingProtocol.js";
export type {
  Accusation,
  Address,
  NextInput,
  ProtocolPlugin,
  PublicSessionContext,
  RandomSource,
  ReceivedPayloads,
  RoundOutput,
  SessionContext,
  StartInput,
} from "./types.js";
