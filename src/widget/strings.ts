import type { ChatErrorCode, ChatState, ChatSystemEvent } from '../shared/chat/protocol';

/** Every sentence the widget shows, in both languages (zh-CN is first-class). `{name}` etc. are filled in. */
export interface Strings {
  /** Reports (issue 14): the satisfaction rating asked when a chat has ended. */
  rate: { ask: string; score: string; hint: string; thanks: string; failed: string };
  launcher: string;
  title: string;
  close: string;
  placeholder: string;
  send: string;
  person: string;
  details: string;
  detailsHint: string;
  name: string;
  phone: string;
  email: string;
  save: string;
  saved: string;
  greeting: string;
  you: string;
  agent: string;
  bot: string;
  typing: { agent: string; bot: string };
  connecting: string;
  reconnecting: string;
  newMessage: string;
  marks: { sending: string; sent: string; delivered: string; read: string; failed: string };
  states: Record<ChatState, string>;
  events: Record<ChatSystemEvent, string>;
  errors: Record<ChatErrorCode, string>;
  attachment: string;
  /** Chat routing (issue 13): under a bot answer, the knowledge-base article it came from. */
  article: string;
  messages: string;
  // Chat files (issue 13).
  attach: string;
  fileLimits: string;
  uploading: string;
  uploadLost: string;
  fileTooLarge: string;
  download: string;
  /** Help articles (issue 13 part 1): the public knowledge-base search in the panel. */
  kb: {
    open: string;
    title: string;
    placeholder: string;
    back: string;
    searching: string;
    found: string;
    none: string;
    rateLimited: string;
    unreachable: string;
    failed: string;
  };
  downloadFailed: string;
}

export const en: Strings = {
  rate: {
    ask: 'How satisfied were you with this chat?',
    score: '{n} out of 5',
    hint: '1 = very dissatisfied, 5 = very satisfied',
    thanks: 'Thank you for your rating!',
    failed: 'Your rating was not sent. Try again.',
  },
  launcher: 'Chat with us',
  title: 'Chat with us',
  close: 'Close chat',
  placeholder: 'Type a message…',
  send: 'Send',
  person: 'Talk to a person',
  details: 'Your details (optional)',
  detailsHint: 'So we can reach you if the chat drops.',
  name: 'Name',
  phone: 'Phone',
  email: 'Email',
  save: 'Save details',
  saved: 'Thanks, we have your details.',
  greeting: 'Hi! How can we help? Ask a question, or ask for a person at any time.',
  you: 'You',
  agent: 'Agent',
  bot: 'Assistant',
  typing: { agent: '{name} is typing…', bot: 'The assistant is typing…' },
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting… Messages you write are sent once the connection is back.',
  newMessage: 'New message from {name}: {text}',
  marks: { sending: 'Sending…', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent' },
  states: {
    bot: 'Automated assistant',
    waiting: 'Waiting for an agent…',
    agent: 'Chatting with {name}',
    ended: 'Chat ended. Write again to start a new chat.',
  },
  events: {
    handoff_requested: 'You asked for a person. An agent will be with you shortly.',
    agent_joined: '{name} joined the chat.',
    agent_left: 'The agent had to leave. Another agent will be with you shortly.',
    ended_by_visitor: 'You ended the chat.',
    ended_by_agent: 'The agent ended the chat. Write again to start a new chat.',
    identified: 'Details shared with the agent.',
  },
  errors: {
    bad_request: 'That could not be sent. Please try again.',
    unauthenticated: 'This chat expired; a new chat is starting.',
    origin_not_allowed: 'Chat is not available on this site.',
    rate_limited: 'You are sending very fast. Please wait {seconds} s; your message is sent then.',
    too_large: 'That is too long. Please split it into messages of at most {max} characters.',
    file_type: 'That type of file cannot be sent. Send images, PDF, text, Office documents or zip files.',
    internal: 'Something went wrong on our side. We will try again shortly.',
  },
  attachment: 'Attachment',
  article: 'From the help article: {title}',
  messages: 'Messages',
  attach: 'Attach a file',
  fileLimits: 'Files: images, PDF, text, Office or zip, up to {mb} MB.',
  uploading: 'Uploading {name}… {percent}%',
  uploadLost: '“{name}” was not sent: the page was reloaded while it was uploading. Please attach it again.',
  fileTooLarge: '“{name}” is larger than {mb} MB and cannot be sent.',
  download: 'Download {name}',
  downloadFailed: 'The file could not be downloaded. Please try again.',
  kb: {
    open: 'Help articles',
    title: 'Help articles',
    placeholder: 'Search help articles',
    back: 'Back',
    searching: 'Searching…',
    found: '{n} articles found',
    none: 'No articles found. Try other words, or ask us in the chat.',
    rateLimited: 'Too many searches. Please wait {seconds} seconds and try again.',
    unreachable:
      'The help articles cannot be reached right now. Check your connection, or ask us in the chat.',
    failed: 'The search did not work. Please try again.',
  },
};

export const zh: Strings = {
  rate: {
    ask: '您对本次对话满意吗？',
    score: '{n} 分（满分 5 分）',
    hint: '1 = 非常不满意，5 = 非常满意',
    thanks: '感谢您的评价！',
    failed: '评价未能发送，请重试。',
  },
  launcher: '在线咨询',
  title: '在线咨询',
  close: '关闭对话',
  placeholder: '输入消息…',
  send: '发送',
  person: '转人工客服',
  details: '您的联系方式（可选）',
  detailsHint: '万一对话中断，我们可以联系您。',
  name: '姓名',
  phone: '电话',
  email: '邮箱',
  save: '保存',
  saved: '已收到您的联系方式，谢谢。',
  greeting: '您好！请问有什么可以帮您？您可以随时要求转人工客服。',
  you: '我',
  agent: '客服',
  bot: '智能助手',
  typing: { agent: '{name} 正在输入…', bot: '智能助手正在输入…' },
  connecting: '正在连接…',
  reconnecting: '正在重新连接…连接恢复后会自动发送您的消息。',
  newMessage: '{name} 发来新消息：{text}',
  marks: { sending: '发送中…', sent: '已发送', delivered: '已送达', read: '已读', failed: '未发送' },
  states: {
    bot: '智能助手',
    waiting: '正在为您转接人工客服…',
    agent: '正在与 {name} 对话',
    ended: '对话已结束。再次发送消息即可开始新的对话。',
  },
  events: {
    handoff_requested: '您已请求人工客服，客服人员马上就来。',
    agent_joined: '{name} 已加入对话。',
    agent_left: '客服暂时离开，正在为您安排其他客服。',
    ended_by_visitor: '您已结束对话。',
    ended_by_agent: '客服已结束对话。再次发送消息即可开始新的对话。',
    identified: '已向客服提供您的联系方式。',
  },
  errors: {
    bad_request: '消息无法发送，请重试。',
    unauthenticated: '对话已过期，正在开始新的对话。',
    origin_not_allowed: '本网站暂未开通在线客服。',
    rate_limited: '发送太频繁了，请等待 {seconds} 秒，届时会自动发送。',
    too_large: '消息太长了，请分成几条发送（每条最多 {max} 字）。',
    file_type: '不支持发送这种类型的文件。可以发送图片、PDF、文本、Office 文档或 zip 压缩包。',
    internal: '服务暂时出错，稍后会自动重试。',
  },
  attachment: '附件',
  article: '参考文章：{title}',
  messages: '消息',
  attach: '发送文件',
  fileLimits: '可发送图片、PDF、文本、Office 文档或 zip，单个文件不超过 {mb} MB。',
  uploading: '正在上传 {name}… {percent}%',
  uploadLost: '“{name}”未发送：上传过程中页面被刷新了。请重新选择文件发送。',
  fileTooLarge: '“{name}”超过 {mb} MB，无法发送。',
  download: '下载 {name}',
  downloadFailed: '文件下载失败，请重试。',
  kb: {
    open: '帮助文章',
    title: '帮助文章',
    placeholder: '搜索帮助文章',
    back: '返回',
    searching: '正在搜索…',
    found: '找到 {n} 篇文章',
    none: '没有找到相关文章。请换个说法，或在对话中问我们。',
    rateLimited: '搜索过于频繁，请 {seconds} 秒后再试。',
    unreachable: '暂时无法连接帮助文章。请检查网络，或在对话中问我们。',
    failed: '搜索失败，请重试。',
  },
};

export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}
