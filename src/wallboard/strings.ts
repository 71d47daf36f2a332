import type { AgentState, BreakReason } from '../shared/protocol/voice';

export type Lang = 'zh-CN' | 'en';

/** Every sentence the wallboard shows, in both languages (zh-CN is first-class). */
export interface Strings {
  title: string;
  waiting: string;
  longestWait: string;
  serviceLevel: string;
  target: (pct: string, seconds: number) => string;
  noCallsYet: string;
  answered: string;
  abandoned: string;
  offered: string;
  agentsAvailable: string;
  agentsOnCall: string;
  agentsBreak: string;
  belowTarget: string;
  onTarget: string;
  waitOver: (seconds: number) => string;
  noAgent: string;
  agentsByState: string;
  states: Record<AgentState, string>;
  reasons: Record<BreakReason, string>;
  more: (n: number) => string;
  nobody: string;
  chats: string;
  chatsWaiting: string;
  chatsActive: string;
  oldestChat: string;
  tickets: string;
  ticketsBreached: string;
  ticketsOpen: string;
  ticketsUnassigned: string;
  breached: string;
  noQueues: string;
  department: (i: number, n: number) => string;
  paused: string;
  rotating: (seconds: number) => string;
  keys: string;
  live: string;
  connecting: string;
  /** The board lost the service: how old what it shows is. */
  staleSince: (age: string) => string;
  staleHint: string;
  ago: { seconds: (n: number) => string; minutes: (n: number) => string; hours: (n: number) => string };
  noToken: string;
  noTokenHint: string;
  refused: string;
  refusedHint: string;
  unknownDepartment: string;
}

const en: Strings = {
  title: 'Wallboard',
  waiting: 'Waiting now',
  longestWait: 'Longest wait',
  serviceLevel: 'Service level today',
  target: (pct, s) => `target ${pct} in ${s} s`,
  noCallsYet: 'no calls yet',
  answered: 'Answered',
  abandoned: 'Abandoned',
  offered: 'Offered',
  agentsAvailable: 'Available',
  agentsOnCall: 'On call',
  agentsBreak: 'Break',
  belowTarget: 'Below target',
  onTarget: 'On target',
  waitOver: (s) => `Over ${s} s`,
  noAgent: 'Callers waiting, no agent free',
  agentsByState: 'Agents',
  states: {
    Available: 'Available',
    OnCall: 'On call',
    WrapUp: 'Wrap-up',
    Break: 'Break',
    Offline: 'Offline',
  },
  reasons: {
    lunch: 'lunch',
    training: 'training',
    meeting: 'meeting',
    personal: 'personal',
    missed_call: 'missed call',
  },
  more: (n) => `+${n} more`,
  nobody: '—',
  chats: 'Web chat',
  chatsWaiting: 'Chats waiting',
  chatsActive: 'in progress',
  oldestChat: 'oldest',
  tickets: 'Tickets',
  ticketsBreached: 'Past SLA',
  ticketsOpen: 'open',
  ticketsUnassigned: 'unassigned',
  breached: 'SLA breached',
  noQueues: 'No voice queue in this department.',
  department: (i, n) => `${i} of ${n}`,
  paused: 'Paused',
  rotating: (s) => `Next in ${s} s`,
  keys: '← → department · Space pause',
  live: 'Live',
  connecting: 'Connecting to the service…',
  staleSince: (age) => `Numbers from ${age}`,
  staleHint: 'Cannot reach the service; reconnecting by itself.',
  ago: {
    seconds: (n) => `${n} s ago`,
    minutes: (n) => (n === 1 ? '1 min ago' : `${n} min ago`),
    hours: (n) => (n === 1 ? '1 hour ago' : `${n} hours ago`),
  },
  noToken: 'This wallboard has no access link.',
  noTokenHint:
    'Open the wallboard from a supervisor’s desktop, or use the full link (ending in #token=…) a supervisor made for this screen.',
  refused: 'This wallboard link is no longer valid.',
  refusedHint: 'It was revoked or mistyped. Ask a supervisor for a new wallboard link.',
  unknownDepartment: 'Department',
};

const zh: Strings = {
  title: '大屏看板',
  waiting: '当前排队',
  longestWait: '最长等待',
  serviceLevel: '今日服务水平',
  target: (pct, s) => `目标 ${s} 秒内 ${pct}`,
  noCallsYet: '今日暂无来电',
  answered: '已接听',
  abandoned: '放弃',
  offered: '呼入',
  agentsAvailable: '空闲',
  agentsOnCall: '通话中',
  agentsBreak: '小休',
  belowTarget: '低于目标',
  onTarget: '达标',
  waitOver: (s) => `超过 ${s} 秒`,
  noAgent: '有客户排队，无空闲坐席',
  agentsByState: '坐席',
  states: { Available: '空闲', OnCall: '通话中', WrapUp: '话后处理', Break: '小休', Offline: '离线' },
  reasons: {
    lunch: '午餐',
    training: '培训',
    meeting: '会议',
    personal: '个人事务',
    missed_call: '未接来电',
  },
  more: (n) => `另有 ${n} 人`,
  nobody: '—',
  chats: '在线客服',
  chatsWaiting: '会话排队',
  chatsActive: '进行中',
  oldestChat: '最久',
  tickets: '工单',
  ticketsBreached: '已超 SLA',
  ticketsOpen: '未解决',
  ticketsUnassigned: '未分配',
  breached: 'SLA 超时',
  noQueues: '本部门没有语音队列。',
  department: (i, n) => `第 ${i} / ${n} 个`,
  paused: '已暂停',
  rotating: (s) => `${s} 秒后切换`,
  keys: '← → 切换部门 · 空格 暂停',
  live: '实时',
  connecting: '正在连接服务…',
  staleSince: (age) => `数据来自${age}`,
  staleHint: '无法连接服务，正在自动重连。',
  ago: {
    seconds: (n) => ` ${n} 秒前`,
    minutes: (n) => ` ${n} 分钟前`,
    hours: (n) => ` ${n} 小时前`,
  },
  noToken: '此看板没有访问链接。',
  noTokenHint: '请从主管的桌面端打开大屏看板，或使用主管为此屏幕生成的完整链接（以 #token=… 结尾）。',
  refused: '此看板链接已失效。',
  refusedHint: '链接已被撤销或输入有误。请向主管索取新的看板链接。',
  unknownDepartment: '部门',
};

/** ?lang=zh-CN|en wins; otherwise the browser's first language; Chinese for any zh. */
export function pickLang(search: string, browser: readonly string[]): Lang {
  const asked = new URLSearchParams(search).get('lang');
  const first = asked ?? browser[0] ?? 'en';
  return first.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const stringsFor = (lang: Lang): Strings => (lang === 'zh-CN' ? zh : en);

/** "2 min ago" from seconds. */
export function agoText(t: Strings, seconds: number): string {
  if (seconds < 60) return t.ago.seconds(seconds);
  if (seconds < 3600) return t.ago.minutes(Math.floor(seconds / 60));
  return t.ago.hours(Math.floor(seconds / 3600));
}
