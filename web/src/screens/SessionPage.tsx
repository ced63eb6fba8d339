// One session, as the chain records it, and this browser's part in it: review, accept (the one
// wallet prompt of the session), then every round by the session delegate, with each party's
// progress read from the chain.
import { useEffect, useState } from "preact/hooks";
import type { Address } from "viem";
import { idName } from "../../../src/auditor/report/names.js";
import { type ReadSessionReturnType, readSession } from "../../../src/sdk/actions/readSession.js";
import { describeMessage } from "../../../src/sdk/messagePreimage.js";
import { SessionKind } from "../../../src/sdk/types.js";
import { usePage } from "../app.js";
import type { ChainConnection } from "../chain/connection.js";
import { useChainNow } from "../chain/useChainNow.js";
import type { BrowserRuns, RunState } from "../party/browserRuns.js";
import { routeLink } from "../route.js";
import { Deadline, Mono, Problem, Rows, Warning } from "../ui/bits.js";
import { RunPanel } from "./RunPanel.js";

function useSession(connection: ChainConnection | undefined, sessionId: bigint) {
  const [session, setSession] = useState<ReadSessionReturnType>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    setSession(undefined);
    setError(undefined);
    if (connection === undefined) return;
    let live = true;
    const load = () =>
      readSession({
        publicClient: connection.publicClient,
        address: connection.contract,
        sessionId,
      }).then(
        (s) => {
          if (!live) return;
          setSession(s);
          setError(undefined);
        },
        (e: Error) => {
          if (!live) return;
          const missing = /SessionNotFound|does not exist|UnknownSession/i.test(e.message);
          setError(
            missing
              ? `Session ${sessionId} does not exist on chain ${connection.chainId} at contract ${connection.contract}. Check the link's session, chain and contract.`
              : `Could not read session ${sessionId} from ${connection.shown}: ${e.message.split("\n")[0]}. Retrying.`,
          );
        },
      );
    void load();
    const timer = setInterval(load, Math.max(1_000, connection.pollingInterval * 4));
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [connection, sessionId]);
  return { session, error };
}

function useRun(runs: BrowserRuns | undefined, sessionId: bigint, account: Address | undefined) {
  const [run, setRun] = useState<RunState>();
  useEffect(() => {
    if (runs === undefined || account === undefined) return setRun(undefined);
    const read = () => setRun(runs.get(sessionId, account));
    read();
    return runs.subscribe(read);
  }, [runs, sessionId, account]);
  return run;
}

const PHASE_OF_ACTION: Record<string, string> = {
  Accepting: "accepted",
  Committing: "committed",
  Revealing: "revealed",
  Submitting: "submitted",
  Agreeing: "agreed",
};

export function SessionPage({ sessionId }: { sessionId: bigint }) {
  const { connection, wallet, runs, walletClient } = usePage();
  const { session, error } = useSession(connection, sessionId);
  const run = useRun(runs, sessionId, wallet?.account);
  const chainNow = useChainNow(connection?.publicClient);

  if (connection === undefined) return null;
  // A new route's session replaces the last one's only once it is read.
  if (session === undefined || session.sessionId !== sessionId) {
    return (
      <section class="card" id="session">
        <h2>Session {String(sessionId)}</h2>
        {error ? <Problem>{error}</Problem> : <p>Reading the chain…</p>}
      </section>
    );
  }
  const { config, state } = session;
  const signing = config.kind === SessionKind.Signing;
  const myIndex =
    wallet === undefined
      ? -1
      : session.parties.findIndex((p) => p.toLowerCase() === wallet.account.toLowerCase());
  const acted = (i: number) => ((state.acted >> BigInt(i)) & 1n) === 1n;
  const open = PHASE_OF_ACTION[session.phase] !== undefined;
  const link = routeLink({ name: "session", sessionId }, connection);

  return (
    <>
      <section class="card" id="session" data-session={String(sessionId)}>
        <h2>
          Session {String(sessionId)}: {signing ? "signing" : "key generation"}, {session.phase}
        </h2>
        {error && <Warning>{error}</Warning>}
        <Rows
          rows={[
            [
              "kind",
              `${signing ? "signing" : "key generation"} (${idName(config.protocol)}, ${idName(config.ciphersuite)})`,
            ],
            ["threshold", `${session.threshold} of ${session.parties.length}`],
            [
              "schedule",
              `acceptance ${config.acceptanceDuration} s, then ${config.rounds
                .map(
                  (r, i) =>
                    `round ${i + 1}: ${r.duration} s${r.commitReveal ? " (commit, then reveal)" : ""}`,
                )
                .join(", ")}`,
            ],
            ...(signing
              ? ([
                  ["key session", String(config.keySession)],
                  [
                    "you sign",
                    <div class="message-shown" key="m">
                      {describeMessage(config.message, config.params).join("\n")}
                    </div>,
                  ],
                  ["message digest", <Mono key="d">{config.message}</Mono>],
                ] as [string, preact.ComponentChildren][])
              : []),
            ["initiator", <Mono key="i">{session.initiator}</Mono>],
            ["config hash", <Mono key="c">{session.configHash}</Mono>],
            ...(open
              ? ([
                  [
                    "deadline",
                    <Deadline key="dl" at={Number(state.deadline)} chainNow={chainNow} />,
                  ],
                ] as [string, preact.ComponentChildren][])
              : []),
            ...(session.result
              ? ([["result", <Mono key="r">{session.result}</Mono>]] as [
                  string,
                  preact.ComponentChildren,
                ][])
              : []),
            ...(session.abort
              ? ([
                  [
                    "aborted",
                    `reason ${session.abort.reason}; blamed: ${session.abort.blame.join(", ") || "nobody"}`,
                  ],
                ] as [string, preact.ComponentChildren][])
              : []),
          ]}
        />
        <h3>Parties</h3>
        <div class="table-wrap">
          <table id="parties">
            <thead>
              <tr>
                <th>#</th>
                <th>account</th>
                <th>{open ? `${PHASE_OF_ACTION[session.phase]} (this phase)` : "accepted"}</th>
              </tr>
            </thead>
            <tbody>
              {session.parties.map((party, i) => {
                const done = open ? acted(i) : session.encryptionKeys[i] !== undefined;
                return (
                  <tr key={party} data-party={i}>
                    <td>{i}</td>
                    <td>
                      <Mono>{party}</Mono>
                      {i === myIndex ? " (you)" : ""}
                    </td>
                    <td>
                      <span class={`badge ${done ? "done" : "waiting"}`}>
                        {done ? "done" : "waiting"}
                      </span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <p class="hint">
          Invitation link: <Mono>{`${location.origin}${location.pathname}${link}`}</Mono> ·{" "}
          <a href={routeLink({ name: "audit", sessionIds: [sessionId] }, connection)}>
            Audit this session
          </a>
        </p>
      </section>
      {wallet === undefined ? (
        <section class="card">
          <Warning>Connect the wallet of a party to take part in this session.</Warning>
        </section>
      ) : myIndex < 0 ? (
        <section class="card">
          <Warning>
            Account {wallet.account} is not a party of session {String(sessionId)}: its parties are
            listed above. Connect one of their wallets to take part.
          </Warning>
        </section>
      ) : (
        <RunPanel
          session={session}
          myIndex={myIndex}
          run={run}
          onStart={() => runs?.start(sessionId, wallet.account, walletClient)}
          onAnswer={(yes) => runs?.answer(sessionId, wallet.account, yes)}
          canSign={walletClient !== undefined}
          relayers={connection.relayers}
        />
      )}
    </>
  );
}
