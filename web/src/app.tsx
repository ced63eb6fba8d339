// The page: chain settings (link, form, or remembered), the wallet, the secret store and the
// party runs, and the screen the route names. The page is one party (or an auditor), never a
// coordinator: everything it shows of a session it reads from the chain.
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useMemo, useState } from "preact/hooks";
import type { Address } from "viem";
import { type ChainConnection, type ChainSettings, connectChain } from "./chain/connection.js";
import {
  type ConnectedWallet,
  connectWallet,
  type EIP6963ProviderDetail,
  useWallets,
  walletChainId,
  walletClientFor,
} from "./chain/wallets.js";
import { BrowserRuns } from "./party/browserRuns.js";
import { parseRoute, type Route } from "./route.js";
import { AuditView } from "./screens/AuditView.js";
import { Connect } from "./screens/Connect.js";
import { NewSigning } from "./screens/NewSigning.js";
import { SessionPage } from "./screens/SessionPage.js";
import { Sessions } from "./screens/Sessions.js";
import { ShareTransfer } from "./screens/ShareTransfer.js";
import { type BrowserSecretStore, openBrowserSecretStore } from "./secrets/browserSecretStore.js";
import { Problem, Warning } from "./ui/bits.js";

const SETTINGS = "roundtable-settings";
const LAST_ACCOUNT = "roundtable-last-account";

type Saved = { rpcUrls: string[]; contract?: Address; relayers: string[]; chainId?: number };

function sameSettings(a: ChainSettings, b: ChainSettings): boolean {
  return (
    a.rpcUrls.join(",") === b.rpcUrls.join(",") &&
    a.contract === b.contract &&
    a.relayers.join(",") === b.relayers.join(",")
  );
}

function savedSettings(): Saved {
  try {
    const saved = JSON.parse(localStorage.getItem(SETTINGS) ?? "null") as Saved | null;
    if (saved !== null && Array.isArray(saved.rpcUrls)) return saved;
  } catch {}
  return { rpcUrls: ["http://127.0.0.1:8545"], relayers: [] };
}

/** What every screen reads: the chain, the wallet on it, the store and the runs. */
export type PageState = {
  connection: ChainConnection | undefined;
  wallet: ConnectedWallet | undefined;
  /** The wallet's chain, when it differs from the session's chain: nothing is signed then. */
  walletChain: number | undefined;
  store: BrowserSecretStore | undefined;
  runs: BrowserRuns | undefined;
  /** A viem wallet client on the connected chain, unless the wallet is on another chain. */
  walletClient: ReturnType<typeof walletClientFor> | undefined;
  refreshWalletChain: () => Promise<void>;
};

export const Page = createContext<PageState>({} as PageState);
export const usePage = () => useContext(Page);

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  return route;
}

export function App() {
  const route = useRoute();
  const wallets = useWallets();
  // A link's settings serve this tab only; only the form's are remembered, so that one click on a
  // link cannot move every later visit to another contract, provider or relayer.
  const [settings, setSettings] = useState<ChainSettings & { fromLink: boolean }>(() => {
    const saved = savedSettings();
    const fromLink =
      route.rpcUrls !== undefined || route.contract !== undefined || route.relayers !== undefined;
    return {
      rpcUrls: route.rpcUrls ?? saved.rpcUrls,
      contract: route.contract ?? saved.contract,
      relayers: route.relayers ?? saved.relayers,
      fromLink,
    };
  });
  const [connection, setConnection] = useState<ChainConnection>();
  const [connectError, setConnectError] = useState<string>();
  const [wallet, setWallet] = useState<ConnectedWallet>();
  const [walletError, setWalletError] = useState<string>();
  const [walletChain, setWalletChain] = useState<number>();
  const [store, setStore] = useState<BrowserSecretStore>();
  const [storeError, setStoreError] = useState<string>();

  useEffect(() => {
    openBrowserSecretStore().then(setStore, (error: Error) => setStoreError(error.message));
  }, []);

  // A link's settings replace the form's, as the person who sent the link meant.
  useEffect(() => {
    if (
      route.rpcUrls !== undefined ||
      route.contract !== undefined ||
      route.relayers !== undefined
    ) {
      setSettings((s) => {
        const next = {
          rpcUrls: route.rpcUrls ?? s.rpcUrls,
          contract: route.contract ?? s.contract,
          relayers: route.relayers ?? s.relayers,
          fromLink: true,
        };
        // The same settings keep the same connection, and so the runs going in this tab.
        return sameSettings(s, next) ? s : next;
      });
    }
  }, [route.rpcUrls?.join(","), route.contract, route.relayers?.join(",")]);

  useEffect(() => {
    let live = true;
    setConnectError(undefined);
    connectChain(settings).then(
      (c) => {
        if (!live) return;
        if (route.chainId !== undefined && route.chainId !== c.chainId) {
          setConnection(undefined);
          setConnectError(
            `The link is for chain ${route.chainId}, but ${c.shown} serves chain ${c.chainId}. Give an RPC URL of chain ${route.chainId}.`,
          );
          return;
        }
        setConnection(c);
        if (!settings.fromLink) {
          const { rpcUrls, relayers } = settings;
          localStorage.setItem(
            SETTINGS,
            JSON.stringify({
              rpcUrls,
              relayers,
              chainId: c.chainId,
              contract: c.contract,
            } satisfies Saved),
          );
        }
      },
      (error: Error) => {
        if (!live) return;
        setConnection(undefined);
        setConnectError(error.message);
      },
    );
    return () => {
      live = false;
    };
  }, [settings, route.chainId]);

  // One set of runs per chain, contract, providers and relayers: a new link to the same ones must
  // not start a second runner beside the one this tab already runs.
  const runsKey =
    connection &&
    [
      connection.chainId,
      connection.contract,
      ...connection.rpcUrls,
      "|",
      ...connection.relayers,
    ].join(" ");
  const runs = useMemo(
    () => (connection && store ? new BrowserRuns(connection, store) : undefined),
    [runsKey, store],
  );

  const refreshWalletChain = useCallback(async () => {
    if (wallet === undefined) return setWalletChain(undefined);
    setWalletChain(await walletChainId(wallet).catch(() => undefined));
  }, [wallet]);

  // The account this browser last used is connected again without a prompt (eth_accounts), so
  // that a reload resumes its runs with the same wallet.
  useEffect(() => {
    if (wallet !== undefined) return;
    const last = localStorage.getItem(LAST_ACCOUNT);
    if (last === null) return;
    for (const detail of wallets) {
      detail.provider
        .request({ method: "eth_accounts" })
        .then((accounts) => {
          if ((accounts as string[]).some((a) => a.toLowerCase() === last.toLowerCase())) {
            void connect(detail, false);
          }
        })
        .catch(() => {});
    }
  }, [wallets]);

  useEffect(() => {
    void refreshWalletChain();
    if (wallet === undefined) return;
    const onChain = () => void refreshWalletChain();
    const onAccounts = (accounts: unknown) => {
      const first = (accounts as string[])[0];
      if (first === undefined || first.toLowerCase() !== wallet.account.toLowerCase()) {
        setWallet(undefined);
        setWalletError("The wallet's account changed: connect again to act as the new account.");
      }
    };
    wallet.provider.on("chainChanged", onChain);
    wallet.provider.on("accountsChanged", onAccounts);
    return () => {
      wallet.provider.removeListener("chainChanged", onChain);
      wallet.provider.removeListener("accountsChanged", onAccounts);
    };
  }, [wallet]);

  async function connect(detail: EIP6963ProviderDetail, prompt = true) {
    setWalletError(undefined);
    try {
      const connected = await connectWallet(detail, { silent: !prompt });
      setWallet(connected);
      localStorage.setItem(LAST_ACCOUNT, connected.account);
    } catch (error) {
      const code = (error as { code?: number }).code;
      setWalletError(
        code === 4001
          ? `You declined the connection in ${detail.info.name}. Nothing was shared or sent.`
          : `${detail.info.name} could not connect: ${(error as Error).message}`,
      );
    }
  }

  // Resume every run this browser accepted, once chain, store and account are known.
  useEffect(() => {
    if (runs === undefined || wallet === undefined) return;
    const client =
      walletChain === runs.connection.chainId
        ? walletClientFor(wallet, runs.connection)
        : undefined;
    for (const sessionId of runs.rememberedSessions(wallet.account)) {
      runs.start(sessionId, wallet.account, client);
    }
  }, [runs, wallet, walletChain]);

  const walletClient =
    wallet !== undefined && connection !== undefined && walletChain === connection.chainId
      ? walletClientFor(wallet, connection)
      : undefined;

  const state: PageState = {
    connection,
    wallet,
    walletChain,
    store,
    runs,
    walletClient,
    refreshWalletChain,
  };
  const screen = route.screen;
  const base = connection && {
    chainId: connection.chainId,
    contract: connection.contract,
    rpcUrls: connection.rpcUrls,
  };
  const link = (path: string) =>
    base === undefined
      ? `#${path}`
      : `#${path}?chain=${base.chainId}&contract=${base.contract}&rpc=${encodeURIComponent(base.rpcUrls.join(","))}`;

  return (
    <Page.Provider value={state}>
      <header class="top">
        <h1>Roundtable</h1>
        <nav>
          <a href={link("/")}>Sessions</a>
          <a href={link("/sign")}>New signing</a>
          <a href={link("/audit")}>Audit</a>
          <a href={link("/share")}>Key shares</a>
        </nav>
        <span class="who">
          {connection ? `chain ${connection.chainId} · ${connection.contract}` : "not connected"}
          {wallet ? ` · ${wallet.account}` : ""}
        </span>
      </header>
      <main>
        {route.problem && <Problem>{route.problem}</Problem>}
        {storeError && <Problem>{storeError}</Problem>}
        {store && !store.persisted && (
          <Warning>
            This browser has not promised to keep this page's storage (where your key shares are
            sealed). Export each key share once its key generation ends (Key shares).
          </Warning>
        )}
        <Connect
          settings={settings}
          onSettings={(chosen) => setSettings({ ...chosen, fromLink: false })}
          fromLink={settings.fromLink}
          connectError={connectError}
          wallets={wallets}
          onConnect={(detail) => void connect(detail)}
          walletError={walletError}
        />
        {screen.name === "home" && <Sessions />}
        {screen.name === "session" && <SessionPage sessionId={screen.sessionId} />}
        {screen.name === "sign" && <NewSigning keySession={screen.keySession} />}
        {screen.name === "share" && <ShareTransfer />}
        {screen.name === "audit" &&
          (connection ? (
            <AuditView
              publicClient={connection.publicClient}
              contract={connection.contract}
              sessionIds={screen.sessionIds}
            />
          ) : (
            <Warning>Connect to a chain above to audit its sessions.</Warning>
          ))}
      </main>
    </Page.Provider>
  );
}
