// Who failed a session, decided the way the auditor decides it: one judge (src/protocol/judge.ts)
// over the public record, not the accusation. A complaint names whoever the evidence convicts (the
// accused, or the accuser of a false or inconsistent complaint); a disagreement names the parties
// whose result differs from the one the record implies; an expiry names those who did not act,
// as the contract recorded.
import { hexToBytes } from "viem";
import {
  groupPublicKey,
  judgeAgreement,
  judgeComplaint,
  type KeyShare,
  ProtocolError,
  type PublicRecord,
  type SigningKeyMaterial,
} from "../protocol/index.js";
import type { SessionProtocol } from "./protocolRound.js";
import type { SessionView } from "./sessionView.js";

/** The judged end of an aborted session: 0-based culprits and, in words, why. */
export type JudgedAbort = { blame: number[]; finding: string | undefined };

/**
 * Judges an aborted session from its view. `keyShare` (signing only) supplies the key material
 * this party derived itself in key generation.
 */
export function judgeAbort(
  view: SessionView,
  protocol: SessionProtocol,
  keyShare: KeyShare | undefined,
): JudgedAbort {
  const abort = view.abort;
  if (abort === undefined || abort.reason === "expired") {
    return { blame: abort?.blame ?? [], finding: undefined };
  }
  const record = publicRecordOf(view, protocol, keyShare);
  try {
    if (abort.reason === "complaint" && view.complaint !== undefined) {
      const { accuser, accused, round, evidence } = view.complaint;
      const verdict = judgeComplaint(record, {
        accuser: accuser + 1,
        accused: accused + 1,
        round,
        evidence: hexToBytes(evidence),
      });
      return {
        blame: [verdict.faulty - 1],
        finding: `${verdict.role === "accused" ? "the complaint holds" : "the complaint is false"}: ${verdict.reason.shortMessage}`,
      };
    }
    if (abort.reason === "disagreement") {
      const verdict = judgeAgreement(record);
      return {
        blame: verdict.faulty.map((party) => party - 1),
        finding:
          verdict.faulty.length === 0
            ? undefined
            : `their results differ from the one the session's payloads imply`,
      };
    }
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { blame: [], finding: `the record could not be judged: ${error.shortMessage}` };
  }
  return { blame: [], finding: undefined };
}

/** The session's public record as the judge takes it: 1-based indexes, bytes. */
export function publicRecordOf(
  view: SessionView,
  protocol: SessionProtocol,
  keyShare: KeyShare | undefined,
): PublicRecord {
  const payloads = view.payloads.map((round) => {
    const out = new Map<number, Uint8Array>();
    for (const [index, payload] of round) out.set(index + 1, hexToBytes(payload));
    return out;
  });
  const record: PublicRecord = {
    protocol: protocol.name,
    context: {
      ciphersuite: protocol.ciphersuite,
      chainId: BigInt(view.chainId),
      contractAddress: view.contract,
      sessionId: view.sessionId,
      encryptionKeys: view.encryptionKeys.map((key) => hexToBytes(key ?? "0x")),
      threshold: view.config.threshold,
    },
    payloads,
  };
  if (view.kind !== "signing" || keyShare === undefined || view.signing === undefined) {
    return record;
  }
  const key: SigningKeyMaterial = {
    ciphersuite: keyShare.ciphersuite,
    threshold: keyShare.threshold,
    commitments: keyShare.commitments,
    verifyingShares: keyShare.verifyingShares,
    groupPublicKey: groupPublicKey(keyShare),
  };
  return {
    ...record,
    signing: {
      signerIdentifiers: view.signing.signerIdentifiers,
      messageDigest: hexToBytes(view.config.message),
      key,
    },
  };
}
