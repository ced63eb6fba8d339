// One run's reads and writes of its secret store, each under a binding of the chain read, and
// what the store says of this party's progress: the plan's input, without any secret in it.

import { bytesToHex, type Hex } from "viem";
import { encryptionPublicKey } from "./acceptance.js";
import type { PartyError } from "./errors.js";
import type { LocalProgress, LocalRound } from "./plan.js";
import {
  DELEGATE_KEY_RECORD,
  decodeRoundRecord,
  ENCRYPTION_KEY_RECORD,
  KEY_SHARE_RECORD,
  type RoundRecord,
  roundRecordName,
} from "./records.js";
import type { SecretBinding, SecretStore } from "./secretStore.js";
import type { SessionView } from "./sessionView.js";

export type RunStoreParameters = {
  store: SecretStore;
  /** The binding of a session's party on the chain read. */
  binding: (sessionId: bigint, party: number) => SecretBinding;
  /** A PartyError STORE for this run with this message. */
  error: (shortMessage: string, cause: unknown) => PartyError;
};

/** The store as one run uses it: every failure a PartyError STORE naming what failed. */
export class RunStore {
  readonly #p: RunStoreParameters;

  constructor(p: RunStoreParameters) {
    this.#p = p;
  }

  /** What the store says, without keeping any secret in the result. */
  async local(view: SessionView, confirmed: boolean): Promise<LocalProgress> {
    const rounds = new Map<number, LocalRound>();
    let encryptionKey: Hex | undefined;
    let hasKeyShare = false;
    if (view.self !== undefined) {
      const binding = this.#p.binding(view.sessionId, view.self);
      const secret = await this.get(view, binding, ENCRYPTION_KEY_RECORD);
      if (secret !== undefined) encryptionKey = encryptionPublicKey(secret);
      for (let round = 1; round <= view.roundCount; round++) {
        const record = await this.record(view, binding, round);
        if (record?.kind === "payload") rounds.set(round, { kind: "payload" });
        if (record?.kind === "blame") {
          rounds.set(round, {
            kind: "blame",
            accused: record.accused,
            evidence: bytesToHex(record.evidence),
          });
        }
      }
      if (view.kind === "signing") hasKeyShare = (await this.keyShare(view)) !== undefined;
    }
    return { encryptionKey, rounds, hasKeyShare, confirmed };
  }

  /** The key share a signing session signs with: stored by the key generation, under its binding. */
  async keyShare(view: SessionView): Promise<Uint8Array | undefined> {
    const signing = view.signing;
    if (signing?.keyIndex === undefined) return undefined;
    return this.get(view, this.#p.binding(signing.keySession, signing.keyIndex), KEY_SHARE_RECORD);
  }

  async record(
    view: SessionView,
    binding: SecretBinding,
    round: number,
  ): Promise<RoundRecord | undefined> {
    const bytes = await this.get(view, binding, roundRecordName(round));
    if (bytes === undefined) return undefined;
    try {
      return decodeRoundRecord(bytes, round);
    } catch (error) {
      throw this.storeError(view, `read ${roundRecordName(round)}`, error);
    }
  }

  async get(
    view: SessionView,
    binding: SecretBinding,
    name: string,
  ): Promise<Uint8Array | undefined> {
    try {
      return await this.#p.store.get(binding, name);
    } catch (error) {
      throw this.storeError(view, `read ${name}`, error);
    }
  }

  async put(
    view: SessionView,
    binding: SecretBinding,
    name: string,
    value: Uint8Array,
  ): Promise<void> {
    try {
      await this.#p.store.put(binding, name, value);
    } catch (error) {
      throw this.storeError(view, `write ${name}`, error);
    }
  }

  async #delete(view: SessionView, binding: SecretBinding, name: string): Promise<void> {
    try {
      await this.#p.store.delete(binding, name);
    } catch (error) {
      throw this.storeError(view, `delete ${name}`, error);
    }
  }

  /** After the end, round states (polynomial coefficients, nonces) and the encryption key go. */
  async forget(view: SessionView): Promise<void> {
    if (view.self === undefined) return;
    const binding = this.#p.binding(view.sessionId, view.self);
    const names = [ENCRYPTION_KEY_RECORD, DELEGATE_KEY_RECORD];
    for (let round = 1; round <= view.roundCount; round++) names.push(roundRecordName(round));
    for (const name of names) await this.#delete(view, binding, name);
  }

  storeError(view: SessionView, what: string, error: unknown): PartyError {
    // Store errors name files and bindings, never contents.
    const message = error instanceof Error ? error.message : String(error);
    return this.#p.error(
      `The secret store failed to ${what} for session ${view.sessionId}: ${message}`,
      error,
    );
  }
}
