// The page's party runs: the project's runner (src/party/runParty.ts), unchanged, one per session,
// with a session delegate so that the wallet is asked once per session (the acceptance), and the
// runner's two questions (accept this configuration? sign this acceptance?) turned into screens.
// Runs that accepted are remembered (not their secrets: those are in the sealed store) so that a
// reload or a reopened tab resumes them before their deadlines.
import { type Address, bytesToHex, type Hex } from "viem";
import { PartyError } from "../../../src/party/errors.js";
import { createRelayedTransport } from "../../../src/party/relayedTransport.js";
import {
  type AcceptanceSigningRequest,
  type AcceptanceSummary,
  type PartyOutcome,
  type PartyProgress,
  runParty,
} from "../../../src/party/runParty.js";
import type { SecretStore } from "../../../src/party/secretStore.js";
import { createDirectTransport, type Transport } from "../../../src/party/transport.js";
import type { RoundtableWalletClient } from "../../../src/sdk/actions/internal.js";
import type { ChainConnection } from "../chain/connection.js";
import { walletErrorText } from "../chain/wallets.js";

export type RunStatus =
  | "starting"
  | "confirm"
  | "sign-acceptance"
  | "running"
  | "finalized"
  | "aborted"
  | "cancelled"
  | "failed"
  | "stopped"
  /** Another tab of this browser runs this session for this account. */
  | "elsewhere";

export type RunState = {
  sessionId: bigint;
  account: Address;
  status: RunStatus;
  /** The configuration to accept, as the runner read and checked it (status "confirm" and after). */
  summary?: AcceptanceSummary;
  /** What the wallet is asked to sign, with the hashes to compare on its screen. */
  request?: AcceptanceSigningRequest;
  progress?: PartyProgress;
  outcome?: PartyOutcome;
  /** Why the run stopped, in words; never a secret. */
  error?: string;
  /** The last deliveries that failed, and why (a relayer's refusal, a delegate without gas). */
  deliveryNotes: string[];
};

type Pending = { resolve: (yes: boolean) => void };

const REMEMBERED = "roundtable-runs";

/** A run this browser accepted (nothing secret): where it runs, to resume and to list it. */
export type RememberedRun = {
  chainId: number;
  contract: Address;
  sessionId: string;
  account: Address;
  /** The providers it was started with, so that a link to it can name them. */
  rpcUrls?: string[];
};

function remembered(): RememberedRun[] {
  try {
    return JSON.parse(localStorage.getItem(REMEMBERED) ?? "[]") as RememberedRun[];
  } catch {
    return [];
  }
}

function sameRun(a: RememberedRun, b: RememberedRun): boolean {
  return (
    a.chainId === b.chainId &&
    a.contract.toLowerCase() === b.contract.toLowerCase() &&
    a.sessionId === b.sessionId &&
    a.account.toLowerCase() === b.account.toLowerCase()
  );
}

function remember(run: RememberedRun, keep: boolean): void {
  const others = remembered().filter((r) => !sameRun(r, run));
  localStorage.setItem(REMEMBERED, JSON.stringify(keep ? [...others, run] : others));
}

/** The runs of one chain connection. Screens subscribe and re-render on every change. */
export class BrowserRuns {
  readonly #runs = new Map<string, RunState>();
  readonly #pending = new Map<string, Pending>();
  readonly #stops = new Map<string, AbortController>();
  readonly #listeners = new Set<() => void>();

  constructor(
    readonly connection: ChainConnection,
    readonly store: SecretStore,
  ) {}

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(sessionId: bigint, account: Address): RunState | undefined {
    return this.#runs.get(this.#key(sessionId, account));
  }

  /** Sessions this browser accepted on this chain and contract, to resume after a reload. */
  rememberedSessions(account: Address): bigint[] {
    const { chainId, contract } = this.connection;
    return remembered()
      .filter(
        (r) =>
          r.chainId === chainId &&
          r.contract.toLowerCase() === contract.toLowerCase() &&
          r.account.toLowerCase() === account.toLowerCase(),
      )
      .map((r) => BigInt(r.sessionId));
  }

  /** Runs this browser accepted for `account` on other chains or contracts, still unfinished. */
  rememberedElsewhere(account: Address): RememberedRun[] {
    const { chainId, contract } = this.connection;
    return remembered().filter(
      (r) =>
        r.account.toLowerCase() === account.toLowerCase() &&
        (r.chainId !== chainId || r.contract.toLowerCase() !== contract.toLowerCase()),
    );
  }

  /** The answer to "accept this configuration?", from the screen. */
  answer(sessionId: bigint, account: Address, yes: boolean): void {
    const key = this.#key(sessionId, account);
    this.#pending.get(key)?.resolve(yes);
    this.#pending.delete(key);
  }

  stop(sessionId: bigint, account: Address): void {
    this.#stops.get(this.#key(sessionId, account))?.abort();
  }

  /**
   * Starts (or resumes) this account's run of a session, unless one is going. The wallet client is
   * needed for a first acceptance; a resumed run goes on without it (the delegate signs), sending
   * through the relayers, then the delegate's own gas, then the wallet if one is connected.
   */
  start(sessionId: bigint, account: Address, wallet: RoundtableWalletClient | undefined): void {
    const key = this.#key(sessionId, account);
    const current = this.#runs.get(key);
    if (current !== undefined && !["failed", "stopped", "elsewhere"].includes(current.status)) {
      return;
    }
    const stop = new AbortController();
    this.#stops.set(key, stop);
    this.#set(key, { sessionId, account, status: "starting", deliveryNotes: [] });
    void this.#run(key, sessionId, account, wallet, stop.signal);
  }

  async #run(
    key: string,
    sessionId: bigint,
    account: Address,
    wallet: RoundtableWalletClient | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const { connection } = this;
    const record: RememberedRun = {
      chainId: connection.chainId,
      contract: connection.contract,
      sessionId: sessionId.toString(),
      account,
      rpcUrls: connection.rpcUrls,
    };
    // One runner per session and party across this browser's tabs (Web Locks): two runners of one
    // round could each store fresh secrets while only one payload lands, and the next round would
    // then be computed from a state that is not the one on chain.
    const lockName = `roundtable-run:${connection.chainId}:${connection.contract.toLowerCase()}:${sessionId}:${account.toLowerCase()}`;
    if (typeof navigator.locks?.request !== "function") {
      return this.#runLocked(key, sessionId, account, wallet, signal, record);
    }
    await navigator.locks.request(lockName, { ifAvailable: true }, async (lock) => {
      if (lock === null) {
        this.#update(key, {
          status: "elsewhere",
          error: `Session ${sessionId} is running in another tab of this browser for ${account}. Keep that tab open; close it first to run the session here.`,
        });
        return;
      }
      await this.#runLocked(key, sessionId, account, wallet, signal, record);
    });
  }

  async #runLocked(
    key: string,
    sessionId: bigint,
    account: Address,
    wallet: RoundtableWalletClient | undefined,
    signal: AbortSignal,
    record: RememberedRun,
  ): Promise<void> {
    const { connection } = this;
    try {
      const outcome = await runParty({
        publicClient: connection.publicClient,
        walletClient: wallet,
        account,
        address: connection.contract,
        sessionId,
        store: this.store,
        transports: this.#transports(wallet, signal).map((transport) =>
          this.#noted(key, transport),
        ),
        pollingInterval: connection.pollingInterval,
        signal,
        confirm: (summary) =>
          new Promise<boolean>((resolve) => {
            this.#pending.set(key, {
              resolve: (yes) => {
                // Remembered before anything is signed or sent, so a reload resumes the run.
                if (yes) remember(record, true);
                resolve(yes);
              },
            });
            this.#update(key, { status: "confirm", summary });
          }),
        delegate: {
          signAcceptance: async (request) => {
            if (wallet === undefined) {
              throw new WalletStepError(
                "Connect the party's wallet to sign the acceptance: nothing was sent.",
              );
            }
            this.#update(key, { status: "sign-acceptance", request });
            try {
              return await wallet.signTypedData({ account, ...request.typedData });
            } catch (error) {
              throw new WalletStepError(walletErrorText(error, "the acceptance's signature"), {
                cause: error,
              });
            }
          },
        },
        onProgress: (progress) => this.#update(key, { status: "running", progress }),
      });
      remember(record, false);
      this.#update(key, { status: outcome.status, outcome });
    } catch (error) {
      const stopped = error instanceof PartyError && error.code === "STOPPED";
      this.#update(key, {
        status: stopped ? "stopped" : "failed",
        error: runErrorText(error),
      });
    } finally {
      this.#pending.delete(key);
    }
  }

  #transports(wallet: RoundtableWalletClient | undefined, signal: AbortSignal): Transport[] {
    const { connection } = this;
    const base = { publicClient: connection.publicClient, address: connection.contract };
    return [
      ...connection.relayers.map((url) =>
        createRelayedTransport({
          url,
          publicClient: connection.publicClient,
          chainId: connection.chainId,
          address: connection.contract,
          pollingInterval: connection.pollingInterval,
          signal,
        }),
      ),
      createDirectTransport({ ...base, payer: "delegate" }),
      ...(wallet === undefined ? [] : [createDirectTransport({ ...base, walletClient: wallet })]),
    ];
  }

  /** The transport, with each failure noted in the run's state for the progress panel. */
  #noted(key: string, transport: Transport): Transport {
    return {
      name: transport.name,
      submit: async (action, authority) => {
        try {
          return await transport.submit(action, authority);
        } catch (error) {
          const why = (error as { shortMessage?: string }).shortMessage ?? (error as Error).message;
          const notes = this.#runs.get(key)?.deliveryNotes ?? [];
          this.#update(key, {
            deliveryNotes: [...notes, `${transport.name}: ${why.split("\n")[0]}`].slice(-5),
          });
          throw error;
        }
      },
    };
  }

  #key(sessionId: bigint, account: Address): string {
    return `${sessionId}:${account.toLowerCase()}`;
  }

  #set(key: string, state: RunState): void {
    this.#runs.set(key, state);
    for (const listener of this.#listeners) listener();
  }

  #update(key: string, change: Partial<RunState>): void {
    const current = this.#runs.get(key);
    if (current !== undefined) this.#set(key, { ...current, ...change });
  }
}

/** The wallet declined or could not do its step; the message says so and that nothing was sent. */
export class WalletStepError extends Error {
  override name = "WalletStepError";
}

/** A run's error as a person reads it: the runner's own words (which never hold a secret). */
export function runErrorText(error: unknown): string {
  if (error instanceof PartyError) {
    const cause = error.cause as { name?: string; message?: string } | undefined;
    const storage = cause?.name === "BrowserStoreError" ? ` ${cause.message}` : "";
    return `${error.shortMessage ?? error.message}${storage}`;
  }
  return (error as Error)?.message ?? String(error);
}

/** Hex of random bytes, for ids that are not secrets. */
export function randomId(): Hex {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(8)));
}
