// An initiator starts a signing session of a text: the text travels in the session's configuration
// (its preimage), so every signer's runner shows it and recomputes the digest (threat W1). The
// initiator's wallet sends the creation; it has no other role after that.
import { useEffect, useState } from "preact/hooks";
import type { Address } from "viem";
import { createSession } from "../../../src/sdk/actions/createSession.js";
import { type ReadSessionReturnType, readSession } from "../../../src/sdk/actions/readSession.js";
import { messageDigest } from "../../../src/sdk/messagePreimage.js";
import { ciphersuiteName, signingConfig } from "../../../src/sdk/protocolIds.js";
import { Phase, SessionKind } from "../../../src/sdk/types.js";
import { usePage } from "../app.js";
import { walletErrorText } from "../chain/wallets.js";
import { routeLink } from "../route.js";
import { Mono, Problem, Warning } from "../ui/bits.js";

function positiveSeconds(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 60 || value > 30 * 86_400) {
    throw new Error(`${what} "${text}" is not a number of seconds between 60 and 2592000.`);
  }
  return value;
}

export function NewSigning({ keySession: initialKey }: { keySession: bigint | undefined }) {
  const { connection, walletClient, wallet } = usePage();
  const [keyText, setKeyText] = useState(initialKey === undefined ? "" : String(initialKey));
  const [keySession, setKeySession] = useState<ReadSessionReturnType>();
  const [keyError, setKeyError] = useState<string>();
  const [signers, setSigners] = useState<Set<Address>>(new Set());
  const [text, setText] = useState("");
  const [acceptance, setAcceptance] = useState("3600");
  const [round, setRound] = useState("600");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<bigint>();

  useEffect(() => {
    setKeySession(undefined);
    setKeyError(undefined);
    if (connection === undefined || !/^[1-9]\d*$/.test(keyText.trim())) return;
    const id = BigInt(keyText.trim());
    readSession({
      publicClient: connection.publicClient,
      address: connection.contract,
      sessionId: id,
    }).then(
      (s) => {
        if (s.config.kind !== SessionKind.KeyGeneration || s.state.phase !== Phase.Finalized) {
          setKeyError(
            `Session ${id} is not a finalized key generation (it is ${s.phase}): pick one whose key exists.`,
          );
          return;
        }
        setKeySession(s);
        setSigners(new Set(s.parties.slice(0, s.threshold)));
      },
      (e: Error) => setKeyError(`Could not read session ${id}: ${e.message.split("\n")[0]}`),
    );
  }, [connection, keyText]);

  if (connection === undefined) return null;

  async function create(event: Event) {
    event.preventDefault();
    if (keySession === undefined || walletClient === undefined || connection === undefined) return;
    setError(undefined);
    let config: ReturnType<typeof signingConfig>;
    try {
      messageDigest({ kind: "text", text });
      config = signingConfig({
        keySession: keySession.sessionId,
        signers: [...signers],
        threshold: keySession.threshold,
        preimage: { kind: "text", text },
        ciphersuite: ciphersuiteName(keySession.config.ciphersuite),
        durations: {
          acceptance: positiveSeconds(acceptance, "Time to accept"),
          rounds: positiveSeconds(round, "Time per round"),
        },
      });
    } catch (e) {
      // The form keeps its input: fix the named value and create again.
      setError((e as { shortMessage?: string }).shortMessage ?? (e as Error).message);
      return;
    }
    setBusy(true);
    try {
      const result = await createSession({
        publicClient: connection.publicClient,
        walletClient,
        address: connection.contract,
        config,
      });
      setCreated(result.sessionId);
    } catch (e) {
      setError(walletErrorText(e, "creating the signing session"));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="card" id="new-signing">
      <h2>Start a signing session of a text</h2>
      {wallet === undefined && (
        <Warning>Connect a wallet: it sends the session's creation (and pays its gas).</Warning>
      )}
      {wallet !== undefined && walletClient === undefined && (
        <Warning>
          Your wallet is on another chain than {connection.chainId}: switch it above.
        </Warning>
      )}
      {created !== undefined ? (
        <p id="created">
          Created session {String(created)}. Send the signers this link:{" "}
          <a href={routeLink({ name: "session", sessionId: created }, connection)}>
            session {String(created)}
          </a>
        </p>
      ) : (
        <form onSubmit={create}>
          <label for="key-session">Key session (a finalized key generation)</label>
          <input
            id="key-session"
            value={keyText}
            onInput={(e) => setKeyText(e.currentTarget.value)}
            placeholder="1"
          />
          {keyError && <Problem>{keyError}</Problem>}
          {keySession && (
            <>
              <p class="hint">
                Group key <Mono>{keySession.result ?? ""}</Mono>, {keySession.threshold} of{" "}
                {keySession.parties.length}: pick exactly {keySession.threshold} signers.
              </p>
              {keySession.parties.map((party) => (
                <label key={party} class="hint">
                  <input
                    type="checkbox"
                    checked={signers.has(party)}
                    onChange={(e) => {
                      const next = new Set(signers);
                      if (e.currentTarget.checked) next.add(party);
                      else next.delete(party);
                      setSigners(next);
                    }}
                  />{" "}
                  <Mono>{party}</Mono>
                </label>
              ))}
            </>
          )}
          <label for="text">Text to sign (every signer is shown exactly this)</label>
          <textarea id="text" value={text} onInput={(e) => setText(e.currentTarget.value)} />
          <label for="acceptance">Time to accept (seconds)</label>
          <input
            id="acceptance"
            value={acceptance}
            onInput={(e) => setAcceptance(e.currentTarget.value)}
          />
          <label for="round">Time per round (seconds)</label>
          <input id="round" value={round} onInput={(e) => setRound(e.currentTarget.value)} />
          {error && <Problem>{error}</Problem>}
          <div class="actions">
            <button
              class="primary"
              type="submit"
              disabled={busy || keySession === undefined || walletClient === undefined}
            >
              {busy ? "Waiting for the wallet…" : "Create the signing session"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
