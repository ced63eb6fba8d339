// The connected account's invitations and past sessions, read from the chain's PartyInvited
// events and each session's state: nothing here comes from an initiator or a server.
import { useEffect, useState } from "preact/hooks";
import { findInvitations } from "../../../src/sdk/actions/findInvitations.js";
import { type ReadSessionReturnType, readSession } from "../../../src/sdk/actions/readSession.js";
import { SessionKind } from "../../../src/sdk/types.js";
import { usePage } from "../app.js";
import { useChainNow } from "../chain/useChainNow.js";
import { routeLink } from "../route.js";
import { durationText, Problem, Warning } from "../ui/bits.js";

type Row = { session: ReadSessionReturnType; index: number };

const OPEN_PHASES = new Set(["Accepting", "Committing", "Revealing", "Submitting", "Agreeing"]);

export function Sessions() {
  const { connection, wallet, runs } = usePage();
  const [rows, setRows] = useState<Row[]>();
  const [error, setError] = useState<string>();
  const chainNow = useChainNow(connection?.publicClient);

  useEffect(() => {
    if (connection === undefined || wallet === undefined) return;
    let live = true;
    const load = async () => {
      try {
        const invitations = await findInvitations({
          publicClient: connection.publicClient,
          address: connection.contract,
          party: wallet.account,
          fromBlock: connection.deploymentBlock,
        });
        const sessions = await Promise.all(
          invitations.map(async (invitation) => ({
            session: await readSession({
              publicClient: connection.publicClient,
              address: connection.contract,
              sessionId: invitation.sessionId,
            }),
            index: invitation.index,
          })),
        );
        if (live) {
          setRows(sessions.reverse());
          setError(undefined);
        }
      } catch (e) {
        if (live)
          setError(
            `Could not read this account's sessions from ${connection.shown}: ${(e as Error).message.split("\n")[0]}. Retrying.`,
          );
      }
    };
    void load();
    const timer = setInterval(load, Math.max(3_000, connection.pollingInterval * 8));
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [connection, wallet]);

  if (connection === undefined) return null;
  if (wallet === undefined) {
    return (
      <section class="card">
        <h2>Your sessions</h2>
        <Warning>Connect a wallet to see the sessions that invite its account.</Warning>
      </section>
    );
  }
  const elsewhere = runs?.rememberedElsewhere(wallet.account) ?? [];
  const open = rows?.filter((r) => OPEN_PHASES.has(r.session.phase)) ?? [];
  const past = rows?.filter((r) => !OPEN_PHASES.has(r.session.phase)) ?? [];
  const table = (list: Row[], id: string) => (
    <div class="table-wrap">
      <table id={id}>
        <thead>
          <tr>
            <th>session</th>
            <th>kind</th>
            <th>you</th>
            <th>phase</th>
            <th>deadline</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map(({ session, index }) => {
            const accepted = session.encryptionKeys[index] !== undefined;
            const deadline = Number(session.state.deadline);
            return (
              <tr key={String(session.sessionId)} data-session={String(session.sessionId)}>
                <td>{String(session.sessionId)}</td>
                <td>
                  {session.config.kind === SessionKind.Signing
                    ? `signing with key ${session.config.keySession}`
                    : `key generation, ${session.threshold} of ${session.parties.length}`}
                </td>
                <td>
                  party {index}
                  {session.phase === "Accepting"
                    ? accepted
                      ? ", accepted"
                      : ", not accepted yet"
                    : ""}
                </td>
                <td>{session.phase}</td>
                <td>
                  {OPEN_PHASES.has(session.phase) && chainNow !== undefined
                    ? durationText(deadline - chainNow)
                    : ""}
                </td>
                <td>
                  <a
                    href={routeLink({ name: "session", sessionId: session.sessionId }, connection)}
                  >
                    Open
                  </a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
  return (
    <section class="card" id="sessions">
      <h2>Your sessions</h2>
      {error && <Problem>{error}</Problem>}
      {elsewhere.length > 0 && (
        <Warning>
          You accepted sessions that run on another chain or contract than this page shows now; they
          run only while a page of theirs is open:{" "}
          {elsewhere.map((r) => (
            <a
              key={`${r.chainId}:${r.contract}:${r.sessionId}`}
              class="elsewhere"
              href={`#/session?session=${r.sessionId}&chain=${r.chainId}&contract=${r.contract}${r.rpcUrls ? `&rpc=${encodeURIComponent(r.rpcUrls.join(","))}` : ""}`}
            >
              session {r.sessionId} (chain {r.chainId}, contract {r.contract}){" "}
            </a>
          ))}
        </Warning>
      )}
      {rows === undefined ? (
        <p>Reading the chain…</p>
      ) : (
        <>
          <h3>Invitations and running sessions</h3>
          {open.length === 0 ? (
            <p class="hint">None open for {wallet.account}.</p>
          ) : (
            table(open, "open-sessions")
          )}
          <h3>Past sessions</h3>
          {past.length === 0 ? <p class="hint">None yet.</p> : table(past, "past-sessions")}
        </>
      )}
    </section>
  );
}
