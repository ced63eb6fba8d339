// Where the page reads the chain (providers it chose, the contract, relayers) and which wallet
// signs. A wallet on another chain than the session's signs nothing until it switches.
import { useState } from "preact/hooks";
import { usePage } from "../app.js";
import {
  type ChainSettings,
  parseContract,
  parseUrlList,
  SettingsError,
} from "../chain/connection.js";
import {
  type EIP6963ProviderDetail,
  switchWalletChain,
  walletErrorText,
} from "../chain/wallets.js";
import { Mono, Problem, Warning } from "../ui/bits.js";

export function Connect(props: {
  settings: ChainSettings;
  onSettings: (s: ChainSettings) => void;
  connectError: string | undefined;
  wallets: readonly EIP6963ProviderDetail[];
  onConnect: (detail: EIP6963ProviderDetail) => void;
  walletError: string | undefined;
  /** The settings came from a link: used in this tab, not remembered. */
  fromLink: boolean;
}) {
  const { connection, wallet, walletChain, refreshWalletChain } = usePage();
  const [rpc, setRpc] = useState(props.settings.rpcUrls.join(", "));
  const [contract, setContract] = useState(props.settings.contract ?? "");
  const [relayers, setRelayers] = useState(props.settings.relayers.join(", "));
  const [formError, setFormError] = useState<string>();
  const [switchError, setSwitchError] = useState<string>();
  const [open, setOpen] = useState(connection === undefined);

  function apply(event: Event) {
    event.preventDefault();
    try {
      props.onSettings({
        rpcUrls: parseUrlList(rpc, "RPC URL"),
        contract: parseContract(contract),
        relayers: parseUrlList(relayers, "Relayer"),
      });
      setFormError(undefined);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      // The form keeps what was typed, so the mistake can be fixed in place.
      setFormError(error.message);
    }
  }

  async function switchChain() {
    if (wallet === undefined || connection === undefined) return;
    setSwitchError(undefined);
    try {
      await switchWalletChain(wallet, connection.chainId);
    } catch (error) {
      setSwitchError(walletErrorText(error, `switching to chain ${connection.chainId}`));
    }
    await refreshWalletChain();
  }

  const wrongChain =
    wallet !== undefined &&
    connection !== undefined &&
    walletChain !== undefined &&
    walletChain !== connection.chainId;

  return (
    <section class="card" id="connect">
      <h2>Chain and wallet</h2>
      {connection && !open && (
        <p>
          Chain {connection.chainId} through {connection.shown}, contract{" "}
          <Mono>{connection.contract}</Mono>
          {connection.relayers.length > 0 ? `, relayers ${connection.relayers.join(", ")}` : ""}.
          {props.fromLink
            ? " From the link you opened: used in this tab only, not remembered. "
            : " "}
          <button type="button" onClick={() => setOpen(true)}>
            Change
          </button>
        </p>
      )}
      {props.connectError && <Problem>{props.connectError}</Problem>}
      {(open || connection === undefined) && (
        <form onSubmit={apply} id="settings">
          <label for="rpc">RPC URLs (the page reads the chain here; several must agree)</label>
          <input id="rpc" value={rpc} onInput={(e) => setRpc(e.currentTarget.value)} />
          <label for="contract">Roundtable contract (empty: this chain's deployment record)</label>
          <input
            id="contract"
            value={contract}
            onInput={(e) => setContract(e.currentTarget.value)}
            placeholder="0x…"
          />
          <label for="relayers">
            Relayers (optional: they pay gas for your rounds; tried in order)
          </label>
          <input
            id="relayers"
            value={relayers}
            onInput={(e) => setRelayers(e.currentTarget.value)}
            placeholder="http://127.0.0.1:8546"
          />
          {formError && <Problem>{formError}</Problem>}
          <div class="actions">
            <button class="primary" type="submit">
              Use these
            </button>
            {connection && (
              <button type="button" onClick={() => setOpen(false)}>
                Close
              </button>
            )}
          </div>
        </form>
      )}
      <h3>Wallet</h3>
      {wallet ? (
        <p>
          Connected: {wallet.detail.info.name}, account <Mono>{wallet.account}</Mono>
          {walletChain !== undefined ? ` on chain ${walletChain}` : ""}.
        </p>
      ) : props.wallets.length === 0 ? (
        <Warning>
          No wallet announced itself (EIP-6963). Install or unlock a browser wallet, then reload.
          You can still audit sessions without one.
        </Warning>
      ) : (
        <div class="wallets">
          {props.wallets.map((detail) => (
            <button
              type="button"
              key={detail.info.uuid}
              onClick={() => props.onConnect(detail)}
              data-wallet={detail.info.rdns}
            >
              <img src={detail.info.icon} alt="" />
              Connect {detail.info.name}
            </button>
          ))}
        </div>
      )}
      {props.walletError && <Problem>{props.walletError}</Problem>}
      {wrongChain && (
        <Warning>
          Your wallet is on chain {walletChain}, but these sessions are on chain{" "}
          {connection?.chainId}. The page will not ask it to sign anything until it is on chain{" "}
          {connection?.chainId}.{" "}
          <button type="button" id="switch-chain" onClick={() => void switchChain()}>
            Switch the wallet to chain {connection?.chainId}
          </button>
        </Warning>
      )}
      {switchError && <Problem>{switchError}</Problem>}
    </section>
  );
}
