import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { AgentLive, DepartmentLive, QueueLive } from '../shared/protocol/supervisor';
import type { AgentState } from '../shared/protocol/voice';
import { clock, queueAlerts, rotation, secondsSince, type Level } from './board-state';
import type { WallboardConnection } from './connection';
import { agoText, type Lang, type Strings } from './strings';

/** This device's clock, ticking every second (the counters, the time of day and the age of stale numbers). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const STATE_ORDER: AgentState[] = ['Available', 'OnCall', 'WrapUp', 'Break', 'Offline'];
/** Each state has its own symbol as well as colour, so it reads without telling the colours apart. */
const STATE_ICON: Record<AgentState, string> = {
  Available: '●',
  OnCall: '☎',
  WrapUp: '✎',
  Break: '☕',
  Offline: '○',
};
const LEVEL_ICON: Record<Level, string> = { ok: '✓', warn: '▼', alert: '⚠' };

export function Board(props: { conn: WallboardConnection; t: Strings; lang: Lang }) {
  const { conn, t, lang } = props;
  const view = useSyncExternalStore(conn.subscribe, conn.getView);
  const now = useNow();
  const order = useMemo(
    () =>
      rotation(
        view.config?.departments.map((d) => d.id),
        view.data,
      ),
    [view.config, view.data],
  );
  const rotateSeconds = view.config?.rotateSeconds ?? 15;
  const [index, setIndex] = useState(0);
  const [paused, setPaused] = useState(false);
  const [shownAt, setShownAt] = useState(() => Date.now());

  // Rotation: the next department every rotateSeconds unless paused; a key press starts the count again.
  useEffect(() => {
    if (paused || order.length < 2) return;
    const t = setTimeout(
      () => {
        setIndex((i) => (i + 1) % order.length);
        setShownAt(Date.now());
      },
      Math.max(0, shownAt + rotateSeconds * 1000 - Date.now()),
    );
    return () => clearTimeout(t);
  }, [paused, order.length, rotateSeconds, shownAt]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown' || e.key === 'PageDown') {
        setIndex((i) => (order.length ? (i + 1) % order.length : 0));
        setShownAt(Date.now());
      } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp' || e.key === 'PageUp') {
        setIndex((i) => (order.length ? (i - 1 + order.length) % order.length : 0));
        setShownAt(Date.now());
      } else if (e.key === ' ') {
        setPaused((p) => !p);
        setShownAt(Date.now());
      } else if (e.key === 'f' || e.key === 'F') {
        if (document.fullscreenElement) void document.exitFullscreen();
        else void document.documentElement.requestFullscreen?.().catch(() => undefined);
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [order.length]);

  if (view.phase === 'refused')
    return <Notice title={t.refused} hint={t.refusedHint} testId="wallboard-refused" />;
  if (!view.data) return <Notice title={t.connecting} hint="" testId="wallboard-connecting" />;

  const data = view.data;
  const departmentId = order[Math.min(index, order.length - 1)] ?? '';
  const department = data.departments.get(departmentId);
  const named = department ?? view.config?.departments.find((d) => d.id === departmentId);
  const queues = [...data.queues.values()]
    .filter((q) => q.departmentId === departmentId)
    .sort((a, b) => a.number.localeCompare(b.number));
  const agents = [...data.agents.values()].filter((a) => a.departmentId === departmentId);
  // Counters run on the service's clock; while the service is away they stop where the numbers stopped.
  const stale = view.phase !== 'live';
  const serviceNow =
    (stale && view.lastHeardMs !== null ? Math.min(now, view.lastHeardMs) : now) + view.offsetMs;
  const age = view.lastHeardMs === null ? 0 : Math.max(0, Math.floor((now - view.lastHeardMs) / 1000));
  const name = (d: { nameZh: string; nameEn: string } | undefined) =>
    d ? (lang === 'zh-CN' ? d.nameZh : d.nameEn) : t.unknownDepartment;
  const nextIn = Math.max(0, Math.ceil((shownAt + rotateSeconds * 1000 - now) / 1000));

  return (
    <div className="board" data-testid="wallboard" data-phase={view.phase} data-department={departmentId}>
      {stale && (
        <div className="stale" role="alert" data-testid="wallboard-stale" data-age={age}>
          <span className="stale-icon" aria-hidden>
            ⚠
          </span>
          <span className="stale-text">{t.staleSince(agoText(t, age))}</span>
          <span className="stale-hint">{t.staleHint}</span>
        </div>
      )}
      <header className="top">
        <div className="dept">
          <h1 data-testid="wallboard-department">{name(named)}</h1>
          {order.length > 1 && (
            <span className="rot" data-testid="wallboard-rotation" data-paused={paused}>
              {t.department(index + 1, order.length)} ·{' '}
              {paused ? (
                <>
                  <span aria-hidden>Ⅱ </span>
                  {t.paused}
                </>
              ) : (
                t.rotating(nextIn)
              )}
            </span>
          )}
        </div>
        <time className="clock" data-testid="wallboard-clock">
          {new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hour12: false }).format(now)}
        </time>
        <span className={`conn conn-${view.phase}`} data-testid="wallboard-conn">
          <span aria-hidden>{view.phase === 'live' ? '● ' : '⚠ '}</span>
          {view.phase === 'live' ? t.live : t.staleSince(agoText(t, age))}
        </span>
      </header>
      <main className={stale ? 'content dim' : 'content'}>
        <section className="queues" data-count={queues.length}>
          {queues.length === 0 && <p className="empty">{t.noQueues}</p>}
          {queues.map((q) => (
            <QueueCard key={q.queueId} q={q} t={t} lang={lang} nowMs={serviceNow} />
          ))}
        </section>
        {department && <DepartmentPanel d={department} t={t} nowMs={serviceNow} />}
        <AgentsByState agents={agents} t={t} />
      </main>
      <footer className="bottom">
        <span>{view.config?.name ?? t.title}</span>
        <span className="keys">{t.keys}</span>
      </footer>
    </div>
  );
}

function Notice(props: { title: string; hint: string; testId: string }) {
  return (
    <div className="board notice" data-testid={props.testId}>
      <h1>{props.title}</h1>
      {props.hint && <p>{props.hint}</p>}
    </div>
  );
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function QueueCard(props: { q: QueueLive; t: Strings; lang: Lang; nowMs: number }) {
  const { q, t, lang, nowMs } = props;
  const a = queueAlerts(q, nowMs);
  const wait = secondsSince(q.oldestWaitingSince, nowMs);
  return (
    <article
      className={`queue level-${a.level}`}
      data-testid="wallboard-queue"
      data-queue={q.number}
      data-level={a.level}
    >
      <h2>
        <span>{lang === 'zh-CN' ? q.nameZh : q.nameEn}</span>
        <span className="qnum">{q.number}</span>
      </h2>
      {a.noAgent && (
        <div className="flag flag-alert" data-testid="queue-no-agent">
          <span aria-hidden>⚠ </span>
          {t.noAgent}
        </div>
      )}
      <div className="metrics">
        <Metric
          label={t.waiting}
          value={String(q.waiting)}
          count={q.waiting}
          testId="queue-waiting"
          level={a.noAgent ? 'alert' : q.waiting > 0 ? 'warn' : 'ok'}
        />
        <Metric
          label={t.longestWait}
          value={wait === null ? '0:00' : clock(wait)}
          testId="queue-longest"
          level={a.waitOver ? 'alert' : 'ok'}
          flag={a.waitOver ? t.waitOver(q.serviceLevelSeconds) : undefined}
        />
        <Metric
          label={t.serviceLevel}
          value={q.serviceLevel === null ? '—' : pct(q.serviceLevel)}
          testId="queue-sl"
          level={a.belowTarget ? 'warn' : 'ok'}
          flag={q.serviceLevel === null ? t.noCallsYet : a.belowTarget ? t.belowTarget : t.onTarget}
          icon={q.serviceLevel === null ? '' : undefined}
          sub={t.target(pct(q.serviceLevelTarget), q.serviceLevelSeconds)}
        />
      </div>
      <div className="counts">
        <Count label={t.answered} n={q.answered} testId="queue-answered" />
        <Count label={t.abandoned} n={q.abandoned} testId="queue-abandoned" />
        <Count label={t.offered} n={q.offered} testId="queue-offered" />
      </div>
      <div className="counts">
        <Count
          label={t.agentsAvailable}
          n={q.agents.available}
          testId="queue-available"
          icon="●"
          cls="st-Available"
        />
        <Count label={t.agentsOnCall} n={q.agents.onCall} testId="queue-oncall" icon="☎" cls="st-OnCall" />
        <Count label={t.agentsBreak} n={q.agents.onBreak} testId="queue-break" icon="☕" cls="st-Break" />
      </div>
    </article>
  );
}

function Metric(props: {
  /** The flag's symbol; default the level's. */
  icon?: string;
  label: string;
  value: string;
  /** The number behind the value, for tests and tools reading the page. */
  count?: number;
  testId: string;
  level: Level;
  flag?: string;
  sub?: string;
}) {
  return (
    <div
      className={`metric level-${props.level}`}
      data-testid={props.testId}
      data-level={props.level}
      data-count={props.count}
    >
      <div className="label">{props.label}</div>
      <div className="value">{props.value}</div>
      {props.flag && (
        <div className="mflag">
          {props.icon !== '' && <span aria-hidden>{props.icon ?? LEVEL_ICON[props.level]} </span>}
          {props.flag}
        </div>
      )}
      {props.sub && <div className="sub">{props.sub}</div>}
    </div>
  );
}

function Count(props: { label: string; n: number; testId: string; icon?: string; cls?: string }) {
  return (
    <span className={`count ${props.cls ?? ''}`} data-testid={props.testId} data-count={props.n}>
      {props.icon && <span aria-hidden>{props.icon} </span>}
      <span className="clabel">{props.label}</span> <b>{props.n}</b>
    </span>
  );
}

function DepartmentPanel(props: { d: DepartmentLive; t: Strings; nowMs: number }) {
  const { d, t, nowMs } = props;
  const oldest = secondsSince(d.oldestChatWaitingSince, nowMs);
  const breached = d.ticketsBreached > 0;
  return (
    <section className="channels">
      <div
        className={`metric level-${d.chatsWaiting > 0 ? 'warn' : 'ok'}`}
        data-testid="dept-chats-waiting"
        data-count={d.chatsWaiting}
      >
        <div className="label">{t.chatsWaiting}</div>
        <div className="value">{d.chatsWaiting}</div>
        <div className="sub">
          {d.chatsActive} {t.chatsActive}
          {oldest !== null && ` · ${t.oldestChat} ${clock(oldest)}`}
        </div>
      </div>
      <div
        className={`metric level-${breached ? 'alert' : 'ok'}`}
        data-testid="dept-tickets-breached"
        data-count={d.ticketsBreached}
      >
        <div className="label">{t.ticketsBreached}</div>
        <div className="value">{d.ticketsBreached}</div>
        {breached && (
          <div className="mflag">
            <span aria-hidden>⚠ </span>
            {t.breached}
          </div>
        )}
        <div className="sub">
          {d.ticketsOpen} {t.ticketsOpen} · {d.ticketsUnassigned} {t.ticketsUnassigned}
        </div>
      </div>
    </section>
  );
}

const NAMES_SHOWN = 5;

function AgentsByState(props: { agents: AgentLive[]; t: Strings }) {
  const { agents, t } = props;
  return (
    <section className="agents" aria-label={t.agentsByState}>
      {STATE_ORDER.map((state) => {
        const inState = agents
          .filter((a) => a.state === state)
          .sort((a, b) => a.since.localeCompare(b.since) || a.displayName.localeCompare(b.displayName));
        return (
          <div
            key={state}
            className={`state st-${state}`}
            data-testid={`agents-${state}`}
            data-count={inState.length}
          >
            <div className="state-head">
              <span className="state-icon" aria-hidden>
                {STATE_ICON[state]}
              </span>
              <span className="state-name">{t.states[state]}</span>
              <span className="state-count">{inState.length}</span>
            </div>
            <ul className="names">
              {inState.slice(0, NAMES_SHOWN).map((a) => (
                <li key={a.userId} data-testid="agent-name">
                  {a.displayName}
                  {a.reason && <span className="reason"> · {t.reasons[a.reason]}</span>}
                </li>
              ))}
              {inState.length > NAMES_SHOWN && (
                <li className="more">{t.more(inState.length - NAMES_SHOWN)}</li>
              )}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
