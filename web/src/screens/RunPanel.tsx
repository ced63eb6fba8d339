// This browser's part in one session: what the runner asks (accept? sign this?) and what it does.
// Before the wallet's prompt, the page shows what it computed itself: the configuration hash, the
// session's fingerprint, and the EIP-712 domain separator, struct hash and digest, so that a
// hardware wallet's screen can be compared with them.
import type { ReadSessionReturnType } from "../../../src/sdk/actions/readSession.js";
import type { RunState } from "../party/browserRuns.js";
import { Mono, Problem, Rows, Warning } from "../ui/bits.js";

export function RunPanel(props: {
  session: ReadSessionReturnType;
  myIndex: number;
  run: RunState | undefined;
  onStart: () => void;
  onAnswer: (yes: boolean) => void;
  canSign: boolean;
  /** The relayers rounds go through first. */
  relayers: readonly string[];
}) {
  const { session, myIndex, run } = props;
  const accepted = session.encryptionKeys[myIndex] !== undefined;
  const status = run?.status;

  if (status === "elsewhere") {
    return (
      <section class="card" id="run" data-status="elsewhere">
        <h2>Your part (party {myIndex})</h2>
        <Warning>{run?.error}</Warning>
        <div class="actions">
          <button type="button" id="review" onClick={props.onStart}>
            Run it here (once the other tab is closed)
          </button>
        </div>
      </section>
    );
  }

  if (run === undefined || status === "failed" || status === "stopped") {
    const canStart = session.phase === "Accepting" || accepted;
    return (
      <section class="card" id="run">
        <h2>Your part (party {myIndex})</h2>
        {run?.error && <Problem>{run.error}</Problem>}
        {canStart ? (
          <>
            <p>
              {accepted
                ? "You accepted this session. Its rounds run in this page with your session delegate: keep the page open until it ends."
                : "Review the configuration this page reads from the chain, then accept: your wallet signs once, and a delegate key made in this page signs every round after that."}
            </p>
            {!props.canSign && !accepted && (
              <Warning>Your wallet must be on this session's chain to sign the acceptance.</Warning>
            )}
            <div class="actions">
              <button
                class="primary"
                type="button"
                id="review"
                onClick={props.onStart}
                disabled={!props.canSign && !accepted}
              >
                {accepted ? "Resume" : run ? "Review again" : "Review and accept"}
              </button>
            </div>
          </>
        ) : (
          <p>
            The session is {session.phase}; you did not accept it, so there is nothing for you to
            do.
          </p>
        )}
      </section>
    );
  }

  if (status === "starting") {
    return (
      <section class="card" id="run">
        <h2>Your part (party {myIndex})</h2>
        <p>Reading the session and checking every action on it…</p>
      </section>
    );
  }

  if (status === "confirm" && run.summary) {
    const s = run.summary;
    return (
      <section class="card" id="accept">
        <h2>Accept session {String(s.sessionId)}?</h2>
        <p>
          This page read the configuration from the chain and checked it against the hash the
          contract stores. Accepting registers a fresh encryption key and names a session delegate
          that signs your later rounds; your wallet signs the acceptance once.
        </p>
        <Rows
          rows={[
            ["you are", `party ${s.partyIndex} of ${s.parties.length}`],
            ["threshold", `${s.threshold} of ${s.parties.length}`],
            ...(s.messageShown
              ? ([
                  [
                    "you sign",
                    <div class="message-shown" key="m">
                      {s.messageShown.join("\n")}
                    </div>,
                  ],
                ] as [string, preact.ComponentChildren][])
              : []),
            ["config hash (computed here)", <Mono key="c">{s.configHash}</Mono>],
            ["session fingerprint", <Mono key="f">{s.sessionFingerprint}</Mono>],
            ["delegate", <Mono key="d">{s.delegate ?? "none"}</Mono>],
            ["EIP-712 domain separator", <Mono key="ds">{s.domainSeparator ?? ""}</Mono>],
            ["EIP-712 digest", <Mono key="dg">{s.acceptDigest}</Mono>],
          ]}
        />
        <p class="hint">
          Compare the config hash or fingerprint with the one the initiator gave you over another
          channel.
        </p>
        {props.relayers.length > 0 ? (
          <p class="hint" id="delivery">
            After this signature, every round goes by itself through{" "}
            {props.relayers.join(", then ")}; if none delivers, the delegate sends it (if it holds
            ETH), then your wallet asks you.
          </p>
        ) : (
          <Warning>
            No relayer is set: after this signature each round is sent by the delegate if it holds
            ETH (fund {s.delegate ?? "it"} once you accepted), else your wallet asks you to send it,
            a prompt per round. Add a relayer above to be asked once.
          </Warning>
        )}
        <div class="actions">
          <button
            class="primary"
            type="button"
            id="accept-button"
            onClick={() => props.onAnswer(true)}
          >
            Accept and sign in the wallet
          </button>
          <button type="button" id="decline-button" onClick={() => props.onAnswer(false)}>
            Decline
          </button>
        </div>
      </section>
    );
  }

  if (status === "sign-acceptance" && run.request) {
    const r = run.request;
    return (
      <section class="card" id="sign-acceptance">
        <h2>Sign the acceptance in your wallet</h2>
        <p>
          Your wallet shows a signature request. On a hardware wallet, compare these with its
          screen:
        </p>
        <div class="compare">
          <Rows
            rows={[
              ["domain separator", <Mono key="d">{r.domainSeparator}</Mono>],
              ["struct hash", <Mono key="s">{r.structHash}</Mono>],
              ["digest", <Mono key="g">{r.digest}</Mono>],
            ]}
          />
        </div>
      </section>
    );
  }

  const p = run.progress;
  const outcome = run.outcome;
  return (
    <section class="card" id="run">
      <h2>Your part (party {myIndex})</h2>
      {status === "running" && p && (
        <p id="progress">
          {p.phase}
          {p.round ? ` round ${p.round}` : ""}: {p.acted} of {p.partyCount} parties done
          {p.note ? `. ${p.note}` : ""}
        </p>
      )}
      {run.deliveryNotes.length > 0 && (
        <details id="delivery-notes">
          <summary>
            Ways that did not deliver an action ({run.deliveryNotes.length}); the next way was tried
          </summary>
          <ul>
            {run.deliveryNotes.map((note, i) => (
              <li key={`${i}:${note}`}>{note}</li>
            ))}
          </ul>
        </details>
      )}
      {outcome?.status === "finalized" && (
        <div id="outcome" data-status="finalized">
          <p class="ok">Finalized.</p>
          <Rows
            rows={[
              ...(outcome.groupPublicKey
                ? ([["group key", <Mono key="k">{outcome.groupPublicKey}</Mono>]] as [
                    string,
                    preact.ComponentChildren,
                  ][])
                : []),
              ...(outcome.signature
                ? ([["signature", <Mono key="s">{outcome.signature}</Mono>]] as [
                    string,
                    preact.ComponentChildren,
                  ][])
                : []),
            ]}
          />
          {!outcome.signature && (
            <p class="hint">
              Your key share is sealed in this browser. Export it (Key shares) to keep a copy or to
              sign from the command line.
            </p>
          )}
        </div>
      )}
      {outcome?.status === "aborted" && (
        <div id="outcome" data-status="aborted">
          <Problem>
            Aborted ({outcome.reason}); blamed:{" "}
            {outcome.blame.length ? outcome.blame.map((b) => `party ${b}`).join(", ") : "nobody"}
            {outcome.finding ? `. ${outcome.finding}` : ""}
          </Problem>
        </div>
      )}
      {outcome?.status === "cancelled" && <Warning>The initiator cancelled this session.</Warning>}
    </section>
  );
}
