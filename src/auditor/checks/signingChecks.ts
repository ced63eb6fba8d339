// Signing, judged from public data: the signers held the key (the key-generation session finalized
// it before the signing session began, and they are among its parties), the signature verifies
// under that key with @noble/curves, and every signer agreed on it.
import { schnorr, secp256k1_FROST } from "@noble/curves/secp256k1.js";
import { bytesToHex, type Hex, hexToBytes, isAddressEqual } from "viem";
import { TAPROOT_CIPHERSUITE } from "../../protocol/index.js";
import { describeMessage, messagePreimageProblem } from "../../sdk/messagePreimage.js";
import { SessionKind } from "../../sdk/types.js";
import type { Finding } from "../types.js";
import {
  accountOf,
  type CheckContext,
  type CheckOutput,
  output,
  partiesText,
} from "./checkContext.js";
import { payloadsOf, suiteOf } from "./keygenChecks.js";
import { position } from "./ruleChecks.js";

function isSigning(context: CheckContext): boolean {
  return context.record.created?.config.kind === SessionKind.Signing;
}

/** Whether `signature` is a valid signature of the session's digest under the key session's key. */
function verifies(context: CheckContext, signature: Hex): boolean {
  const suite = suiteOf(context);
  const key = context.keySession?.groupKey;
  const message = context.record.created?.config.message;
  if (suite === undefined || key === undefined || message === undefined) return false;
  try {
    const sig = hexToBytes(signature);
    const msg = hexToBytes(message);
    const pub = hexToBytes(key);
    return suite === TAPROOT_CIPHERSUITE
      ? schnorr.verify(sig, msg, pub)
      : secp256k1_FROST.verify(sig, msg, pub);
  } catch {
    return false;
  }
}

/**
 * `signing.message-matches-preimage`: the message signed is the digest of the preimage the
 * configuration carries, what every signer was shown. Not applicable to a bare digest.
 */
export function checkMessagePreimage(context: CheckContext): CheckOutput {
  const id = "signing.message-matches-preimage";
  if (!isSigning(context)) return output(id, "not-applicable", "Not a signing session");
  const { message, params } = context.record.created!.config;
  const shown = describeMessage(message, params);
  const evidence = { message, params, shown };
  const problem = messagePreimageProblem(message, params, { chainId: context.record.chainId });
  if (problem !== undefined) {
    // Honest runners decline such a session, and its expiry names the initiator (see
    // auditSession): the record is then sound. A signer that accepted it was not shown the truth.
    const accepted = context.record.actions.filter((a) => a.kind === "accept").map((a) => a.party);
    if (accepted.length === 0) {
      return output(
        id,
        "pass",
        `The initiator's configuration is misleading (${problem}), and no signer accepted it: nothing was signed`,
        evidence,
      );
    }
    return output(
      id,
      "fail",
      `The initiator's configuration is misleading (${problem}), yet part${accepted.length === 1 ? "y" : "ies"} ${accepted.join(", ")} accepted it`,
      { ...evidence, accepted },
    );
  }
  if (params === "0x" || shown[0]?.startsWith("an opaque digest")) {
    return output(
      id,
      "not-applicable",
      "The session carries no preimage: its message is an opaque digest the signers could not check",
      evidence,
    );
  }
  return output(id, "pass", `The message is the digest of ${shown[0]}`, evidence);
}

/** `signing.signers-hold-key`: the key session finalized a key of this suite and threshold before, and every signer is its party. */
export function checkSignersHoldKey(context: CheckContext): CheckOutput {
  if (!isSigning(context))
    return output("signing.signers-hold-key", "not-applicable", "Not a signing session");
  const config = context.record.created!.config;
  const key = context.keySession;
  const evidence = {
    keySession: config.keySession,
    keyParties: key?.parties ?? [],
    signers: config.parties,
    groupKey: key?.groupKey ?? null,
    keyFinalizedAtBlock: key?.finalizedAt ?? null,
  };
  const fail = (why: string) => output("signing.signers-hold-key", "fail", why, evidence);
  if (key === undefined || !key.found)
    return fail(`Key session ${config.keySession} has no SessionCreated event`);
  if (key.kind !== SessionKind.KeyGeneration)
    return fail(`Session ${config.keySession} is not a key generation`);
  if (key.groupKey === undefined || key.finalizedAt === undefined)
    return fail(`Key session ${config.keySession} did not finalize`);
  if (key.finalizedAt > context.record.created!.at.blockNumber) {
    return fail(
      `Key session ${config.keySession} finalized in block ${key.finalizedAt}, after this session was created`,
    );
  }
  if (key.threshold !== config.threshold)
    return fail(`The key's threshold is ${key.threshold}, the session's ${config.threshold}`);
  if (key.ciphersuite?.toLowerCase() !== config.ciphersuite.toLowerCase())
    return fail("The key session used another ciphersuite");
  const outsiders = config.parties.filter(
    (signer) => !key.parties.some((p) => isAddressEqual(p, signer)),
  );
  if (outsiders.length > 0)
    return fail(
      `${outsiders.join(", ")} ${outsiders.length === 1 ? "is" : "are"} not a party of key session ${config.keySession}`,
    );
  // THREATS B5: the key is what the key session's commitments imply, whatever its parties agreed.
  if (key.material === undefined)
    return fail(
      `Key session ${config.keySession}'s round-1 commitments imply no key (${key.materialError ?? "unknown"}), so its finalized key ${key.groupKey} is not backed by its record`,
    );
  const implied = bytesToHex(key.material.groupPublicKey);
  if (implied !== key.groupKey.toLowerCase())
    return fail(
      `Key session ${config.keySession} finalized key ${key.groupKey}, but its round-1 commitments imply ${implied}: its parties agreed on a key nobody's commitments back`,
    );
  return output(
    "signing.signers-hold-key",
    "pass",
    `All ${config.parties.length} signers are parties of key session ${config.keySession}, finalized in block ${key.finalizedAt} with key ${key.groupKey}, the key its round-1 commitments imply`,
    evidence,
  );
}

/** `signing.signature`: the finalized signature verifies under the group key (BIP-340 or RFC 9591). */
export function checkSignature(context: CheckContext): CheckOutput {
  if (!isSigning(context))
    return output("signing.signature", "not-applicable", "Not a signing session");
  const end = context.record.end;
  if (end?.kind !== "finalized")
    return output("signing.signature", "not-applicable", "The session did not finalize");
  const evidence = {
    signature: end.result,
    message: context.record.created!.config.message,
    groupKey: context.keySession?.groupKey ?? null,
    finalized: position(end.at),
  };
  if (!verifies(context, end.result)) {
    return output(
      "signing.signature",
      "fail",
      `The finalized signature ${end.result} does not verify under the group key`,
      evidence,
    );
  }
  return output(
    "signing.signature",
    "pass",
    "The finalized signature verifies under the group key with @noble/curves",
    evidence,
  );
}

/** `signing.agreement`: every signer submitted the same, valid signature. */
export function checkSigningAgreement(context: CheckContext): CheckOutput {
  if (!isSigning(context))
    return output("signing.agreement", "not-applicable", "Not a signing session");
  const rounds = context.record.created!.config.rounds.length;
  const agreements = [...payloadsOf(context, rounds).values()];
  if (agreements.length === 0)
    return output("signing.agreement", "not-applicable", "No agreement payload yet");
  const end = context.record.end;
  const invalid = agreements.filter((a) => !verifies(context, a.data));
  const findings: Finding[] = invalid.map((a) => ({
    check: "signing.agreement",
    party: a.party,
    account: accountOf(context, a.party),
    kind: "invalid-signature",
    summary: `Party ${a.party} agreed on ${a.data}, which does not verify (transaction ${a.at.transactionHash})`,
  }));
  const evidence = {
    agreements: agreements.map((a) => ({
      party: a.party,
      payload: a.data,
      valid: !invalid.includes(a),
      ...position(a.at),
    })),
  };
  if (end?.kind === "finalized") {
    const differ = agreements.filter((a) => a.data.toLowerCase() !== end.result.toLowerCase());
    if (differ.length > 0 || invalid.length > 0) {
      return output(
        "signing.agreement",
        "fail",
        `The session finalized although ${partiesText([...new Set([...differ, ...invalid].map((a) => a.party))])} agreed on another or invalid signature`,
        evidence,
        findings,
      );
    }
    return output(
      "signing.agreement",
      "pass",
      `All ${agreements.length} signers agreed on the signature`,
      evidence,
    );
  }
  if (invalid.length > 0) {
    return output(
      "signing.agreement",
      "pass",
      `${partiesText(invalid.map((a) => a.party))} agreed on an invalid signature; the session did not finalize`,
      evidence,
      findings,
    );
  }
  return output(
    "signing.agreement",
    "pass",
    `All ${agreements.length} agreement payloads so far verify`,
    evidence,
  );
}
