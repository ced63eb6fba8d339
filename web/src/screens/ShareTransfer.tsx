// Key shares out of and into this browser, as passphrase-sealed files (src/party/keyShareFile.ts),
// the same files `roundtable share export|import` write and read: a party can move to the CLI and
// back. An import is checked against the chain (the group key, the party's account) before it is
// stored, and never replaces a different share.
import { useState } from "preact/hooks";
import { bytesToHex } from "viem";
import {
  keyShareMismatch,
  openKeyShareFile,
  sealKeyShareFile,
} from "../../../src/party/keyShareFile.js";
import { KEY_SHARE_RECORD } from "../../../src/party/records.js";
import type { SecretBinding } from "../../../src/party/secretStore.js";
import { decodeKeyShare, groupPublicKey } from "../../../src/protocol/index.js";
import { readSession } from "../../../src/sdk/actions/readSession.js";
import { usePage } from "../app.js";
import { Problem, Warning } from "../ui/bits.js";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export function ShareTransfer() {
  const { connection, wallet, store } = usePage();
  const [keySession, setKeySession] = useState("");
  const [passphrase, setPassphrase] = useState("");
  const [again, setAgain] = useState("");
  const [exportNote, setExportNote] = useState<string>();
  const [exportError, setExportError] = useState<string>();
  const [importPassphrase, setImportPassphrase] = useState("");
  const [importFile, setImportFile] = useState<File>();
  const [importNote, setImportNote] = useState<string>();
  const [importError, setImportError] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (connection === undefined || store === undefined) return null;
  if (wallet === undefined) {
    return (
      <section class="card" id="shares">
        <h2>Key shares</h2>
        <Warning>Connect the wallet of the party whose key share to export or import.</Warning>
      </section>
    );
  }
  const account = wallet.account;

  async function exportShare(event: Event) {
    event.preventDefault();
    setExportError(undefined);
    setExportNote(undefined);
    if (connection === undefined || store === undefined) return;
    if (!/^[1-9]\d*$/.test(keySession.trim())) {
      return setExportError(`Key session "${keySession}" is not a session id such as 1.`);
    }
    if (passphrase !== again)
      return setExportError("The two passphrases differ: type the same one twice.");
    setBusy(true);
    try {
      const sessionId = BigInt(keySession.trim());
      const session = await readSession({
        publicClient: connection.publicClient,
        address: connection.contract,
        sessionId,
      });
      const party = session.parties.findIndex((p) => p.toLowerCase() === account.toLowerCase());
      if (party < 0) throw new Error(`Account ${account} is not a party of session ${sessionId}.`);
      const binding: SecretBinding = {
        chainId: connection.chainId,
        contract: connection.contract,
        sessionId,
        party,
      };
      const share = await store.get(binding, KEY_SHARE_RECORD);
      if (share === undefined) {
        throw new Error(
          `This browser holds no key share of session ${sessionId} for party ${party}: it did not run that key generation here, or the share was imported elsewhere.`,
        );
      }
      // Checked against the chain before it leaves, as the CLI's export does.
      const mismatch = keyShareMismatch(decodeKeyShare(share), party, session, account);
      if (mismatch !== undefined) throw new Error(`${mismatch} Nothing was exported.`);
      const text = await sealKeyShareFile(share, binding, passphrase);
      const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `roundtable-key-share-${connection.chainId}-${sessionId}-party${party}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExportNote(
        `Exported party ${party}'s key share of session ${sessionId}, sealed under your passphrase, as ${a.download}.`,
      );
    } catch (error) {
      setExportError((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function importShare(event: Event) {
    event.preventDefault();
    setImportError(undefined);
    setImportNote(undefined);
    if (connection === undefined || store === undefined) return;
    if (importFile === undefined) return setImportError("Pick the key share file first.");
    setBusy(true);
    try {
      const { binding, share, keyShare } = await openKeyShareFile(
        await importFile.text(),
        importPassphrase,
      );
      if (
        binding.chainId !== connection.chainId ||
        binding.contract.toLowerCase() !== connection.contract.toLowerCase()
      ) {
        throw new Error(
          `The file is for chain ${binding.chainId}, contract ${binding.contract}; this page is on chain ${connection.chainId}, contract ${connection.contract}. Connect to the file's chain and contract first.`,
        );
      }
      const session = await readSession({
        publicClient: connection.publicClient,
        address: connection.contract,
        sessionId: binding.sessionId,
      });
      const mismatch = keyShareMismatch(keyShare, binding.party, session, account);
      if (mismatch !== undefined) throw new Error(`${mismatch} Nothing was stored.`);
      const existing = await store.get(binding, KEY_SHARE_RECORD);
      if (existing !== undefined && !sameBytes(existing, share)) {
        throw new Error(
          `This browser already holds a different key share of session ${binding.sessionId} for party ${binding.party}; it is never replaced. Nothing was stored.`,
        );
      }
      if (existing === undefined) await store.put(binding, KEY_SHARE_RECORD, share);
      setImportNote(
        `${existing === undefined ? "Imported" : "Already here:"} party ${binding.party}'s key share of session ${binding.sessionId} (group key ${bytesToHex(groupPublicKey(keyShare))}).`,
      );
    } catch (error) {
      setImportError((error as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" id="shares">
      <h2>Key shares</h2>
      <h3>Export</h3>
      <form onSubmit={exportShare} id="export-form">
        <label for="export-session">Key session</label>
        <input
          id="export-session"
          value={keySession}
          onInput={(e) => setKeySession(e.currentTarget.value)}
        />
        <label for="export-passphrase">New passphrase for the file (8 characters or more)</label>
        <input
          id="export-passphrase"
          type="password"
          autocomplete="new-password"
          value={passphrase}
          onInput={(e) => setPassphrase(e.currentTarget.value)}
        />
        <label for="export-again">The passphrase again</label>
        <input
          id="export-again"
          type="password"
          autocomplete="new-password"
          value={again}
          onInput={(e) => setAgain(e.currentTarget.value)}
        />
        {exportError && <Problem>{exportError}</Problem>}
        {exportNote && (
          <p class="ok" id="export-note">
            {exportNote}
          </p>
        )}
        <div class="actions">
          <button class="primary" type="submit" disabled={busy}>
            Export
          </button>
        </div>
      </form>
      <h3>Import</h3>
      <form onSubmit={importShare} id="import-form">
        <label for="import-file">Key share file</label>
        <input
          id="import-file"
          type="file"
          accept="application/json,.json"
          onChange={(e) => setImportFile(e.currentTarget.files?.[0])}
        />
        <label for="import-passphrase">Its passphrase</label>
        <input
          id="import-passphrase"
          type="password"
          autocomplete="off"
          value={importPassphrase}
          onInput={(e) => setImportPassphrase(e.currentTarget.value)}
        />
        {importError && <Problem>{importError}</Problem>}
        {importNote && (
          <p class="ok" id="import-note">
            {importNote}
          </p>
        )}
        <div class="actions">
          <button class="primary" type="submit" disabled={busy}>
            Import
          </button>
        </div>
      </form>
    </section>
  );
}
