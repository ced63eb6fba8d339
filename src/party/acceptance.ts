// Acceptance: the session's encryption key pair, the Accept action, and the summary a party
// confirms. The key pair is made here, once per session; its secret is stored before the Accept
// that registers its public key is sent, and reused on every restart, so a party never registers
// a key whose secret it may have lost.

import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  type Address,
  bytesToHex,
  domainSeparator,
  getAddress,
  type Hex,
  hashStruct,
  hashTypedData,
  hexToBytes,
  zeroAddress,
  zeroHash,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { proveKeyPossession, type RandomSource } from "../protocol/index.js";
import {
  actionTypedData,
  decodeAcceptData,
  encodeAcceptData,
  keyProofTypedData,
  roundtableDomain,
} from "../sdk/eip712.js";
import { describeMessage } from "../sdk/messagePreimage.js";
import { sessionFingerprint } from "../sdk/sessionFingerprint.js";
import { ActionType, type UnsignedAction } from "../sdk/types.js";
import type { SessionProtocol } from "./protocolRound.js";
import type { SessionView } from "./sessionView.js";
import type { AcceptanceSummary } from "./types.js";

/** noble reduces a 48-byte seed modulo n (FIPS 186-5 A.2.1): negligible bias, never zero. */
const SEED_LENGTH = 48;

/** A fresh secp256k1 encryption secret key (32 bytes) from the caller's random source. */
export function newEncryptionSecretKey(random: RandomSource): Uint8Array {
  const seed = random(SEED_LENGTH);
  if (!(seed instanceof Uint8Array) || seed.length !== SEED_LENGTH) {
    throw new RangeError(
      `The random source returned the wrong number of bytes (asked for ${SEED_LENGTH})`,
    );
  }
  return secp256k1.utils.randomSecretKey(seed);
}

/**
 * A fresh session delegate secret key (32 bytes, secp256k1, from the caller's random source): the
 * key that signs this party's round actions once its acceptance names the key's address.
 */
export const newDelegateSecretKey: (random: RandomSource) => Uint8Array = newEncryptionSecretKey;

/** The session delegate's account (it signs EIP-712 actions and may send transactions). */
export function delegateAccount(secretKey: Uint8Array): PrivateKeyAccount {
  return privateKeyToAccount(bytesToHex(secretKey));
}

/** The 33-byte compressed public key of an encryption secret key, as registered on-chain. */
export function encryptionPublicKey(secretKey: Uint8Array): Hex {
  return bytesToHex(secp256k1.getPublicKey(secretKey, true));
}

/**
 * The Accept action this party sends: the configuration hash it read, its encryption key with the
 * key's proof of possession for this session and party, and its delegate (if any).
 */
export function acceptAction(
  view: SessionView,
  self: number,
  secretKey: Uint8Array,
  random: RandomSource,
  delegate: Address = zeroAddress,
): UnsignedAction {
  const encryptionKey = encryptionPublicKey(secretKey);
  const digest = hashTypedData(
    keyProofTypedData(roundtableDomain(view.chainId, view.contract), {
      sessionId: view.sessionId,
      party: self,
      encryptionKey,
    }),
  );
  const keyProof = bytesToHex(proveKeyPossession(secretKey, hexToBytes(digest), random));
  return {
    action: ActionType.Accept,
    sessionId: view.sessionId,
    party: self,
    round: 0,
    accused: 0,
    word: view.configHash,
    data: encodeAcceptData({ encryptionKey, keyProof, delegate }),
  };
}

/** Everything the party confirms, readable, with the digest its Accept signs. */
export function acceptanceSummary(
  view: SessionView,
  protocol: SessionProtocol,
  accept: UnsignedAction,
): AcceptanceSummary {
  const self = accept.party;
  const domain = roundtableDomain(view.chainId, view.contract);
  const { config } = view;
  const summary: AcceptanceSummary = {
    sessionId: view.sessionId,
    chainId: view.chainId,
    contract: view.contract,
    kind: view.kind,
    protocol: protocol.name,
    ciphersuite: protocol.ciphersuite,
    parties: view.parties,
    partyIndex: self,
    threshold: config.threshold,
    rounds: config.rounds.map(({ duration, commitReveal }) => ({ duration, commitReveal })),
    // While accepting, the phase deadline is the acceptance deadline.
    acceptanceDeadline: new Date(view.deadline * 1000),
    configHash: view.configHash,
    sessionFingerprint: sessionFingerprint({
      chainId: view.chainId,
      contract: view.contract,
      sessionId: view.sessionId,
      configHash: view.configHash,
    }),
    acceptDigest: hashTypedData(actionTypedData(domain, accept)),
    ...delegateField(accept),
    domainSeparator: domainSeparator({ domain }),
  };
  if (view.kind === "signing") {
    summary.keySession = config.keySession;
    if (config.message !== zeroHash) summary.message = config.message;
    summary.messageShown = describeMessage(config.message, config.params);
  }
  return summary;
}

/**
 * What an account signs, away from the runner, to accept with a delegate: the EIP-712 typed data
 * and the three hashes a hardware wallet or a Safe's signers compare on their screens (the domain
 * separator, the Accept's struct hash, and the digest they combine to).
 */
export type AcceptanceSigningRequest = {
  sessionId: bigint;
  party: number;
  /** The party's account: its signature (ECDSA, or its ERC-1271 wallet's) is expected. */
  account: Address;
  /** The session delegate the acceptance names. */
  delegate: Address;
  typedData: ReturnType<typeof actionTypedData>;
  domainSeparator: Hex;
  structHash: Hex;
  digest: Hex;
  /** What the party confirmed, for display. */
  summary: AcceptanceSummary;
};

/** The signing request of an Accept action, for `account`. */
export function acceptanceSigningRequest(
  view: SessionView,
  account: Address,
  accept: UnsignedAction,
  summary: AcceptanceSummary,
): AcceptanceSigningRequest {
  const domain = roundtableDomain(view.chainId, view.contract);
  const typedData = actionTypedData(domain, accept);
  return {
    sessionId: view.sessionId,
    party: accept.party,
    account,
    delegate: getAddress(decodeAcceptData(accept.data).delegate),
    typedData,
    domainSeparator: domainSeparator({ domain }),
    structHash: hashStruct({
      data: typedData.message,
      primaryType: typedData.primaryType,
      types: typedData.types,
    }),
    digest: hashTypedData(typedData),
    summary,
  };
}

function delegateField(accept: UnsignedAction): { delegate?: Address } {
  const { delegate } = decodeAcceptData(accept.data);
  return delegate === zeroAddress ? {} : { delegate: getAddress(delegate) };
}
