/** Word lists for the demo data set, in Chinese and English. */

export const DEPARTMENTS = [
  { code: 'aftersales', nameZh: '售后服务', nameEn: 'After-sales' },
  { code: 'tech', nameZh: '技术支持', nameEn: 'Technical support' },
  { code: 'billing', nameZh: '账务', nameEn: 'Billing' },
] as const;
export type DepartmentCode = (typeof DEPARTMENTS)[number]['code'];

/** agent01..agent12: 01-04 after-sales, 05-08 technical support, 09-12 billing. */
export const AGENT_NAMES = [
  '王芳',
  '李娜',
  'Emma Li',
  '张伟',
  '刘洋',
  'David Chen',
  '陈杰',
  '杨静',
  '赵磊',
  'Grace Wu',
  '黄敏',
  '周强',
] as const;
export const SUPERVISORS = [
  { username: 'super01', displayName: '孙丽', code: 'aftersales' as const },
  { username: 'super02', displayName: 'Michael Zhang', code: 'tech' as const },
];

export const ZH_SURNAMES = [
  '王',
  '李',
  '张',
  '刘',
  '陈',
  '杨',
  '黄',
  '赵',
  '吴',
  '周',
  '徐',
  '孙',
  '马',
  '朱',
  '胡',
  '郭',
  '何',
  '林',
  '罗',
  '高',
];
export const ZH_GIVEN = [
  '伟',
  '芳',
  '娜',
  '秀英',
  '敏',
  '静',
  '丽',
  '强',
  '磊',
  '军',
  '洋',
  '勇',
  '艳',
  '杰',
  '娟',
  '涛',
  '明',
  '超',
  '秀兰',
  '霞',
  '平',
  '刚',
  '桂英',
  '建华',
  '子涵',
  '浩然',
  '欣怡',
  '宇轩',
  '思远',
  '晓东',
];
export const EN_FIRST = [
  'Emma',
  'Olivia',
  'James',
  'Liam',
  'Sophia',
  'Noah',
  'Ava',
  'William',
  'Mia',
  'Lucas',
  'Grace',
  'Henry',
  'Chloe',
  'Jack',
  'Ella',
  'Oliver',
  'Amelia',
  'Daniel',
  'Ruby',
  'Thomas',
];
export const EN_LAST = [
  'Smith',
  'Johnson',
  'Brown',
  'Taylor',
  'Wilson',
  'Davies',
  'Evans',
  'Walker',
  'Wright',
  'Thompson',
  'White',
  'Hughes',
  'Green',
  'Hall',
  'Clarke',
  'Lewis',
  'Young',
  'King',
  'Baker',
  'Moore',
];
export const ZH_COMPANIES = [
  '星辰科技',
  '华南物流',
  '恒信贸易',
  '蓝海传媒',
  '东方电器',
  '嘉禾餐饮',
  '瑞丰建材',
  '云帆软件',
];
export const EN_COMPANIES = [
  'Wilson & Co',
  'Northwind Traders',
  'Blue Harbour Ltd',
  'Acme Retail',
  'Greenfield Farms',
  'Brightline Media',
];

interface Topic {
  zh: { subject: string; description: string };
  en: { subject: string; description: string };
}

export const TOPICS: Record<DepartmentCode, Topic[]> = {
  aftersales: [
    {
      zh: { subject: '退款申请未到账', description: '申请退款已经七天，银行卡仍未收到退款。' },
      en: {
        subject: 'Refund not received',
        description: 'I asked for a refund a week ago and it has not reached my card.',
      },
    },
    {
      zh: { subject: '商品破损要求换货', description: '收到的商品外包装破损，屏幕有裂痕，希望换一台新的。' },
      en: {
        subject: 'Item arrived damaged',
        description: 'The box was crushed and the screen is cracked; please send a replacement.',
      },
    },
    {
      zh: { subject: '退货物流查询', description: '退货已寄出五天，物流信息一直没有更新。' },
      en: {
        subject: 'Where is my return?',
        description: 'I sent the return five days ago and tracking has not moved.',
      },
    },
    {
      zh: { subject: '保修期内维修申请', description: '洗衣机购买不到一年，脱水时噪音很大，申请上门维修。' },
      en: {
        subject: 'Repair under warranty',
        description: 'The washing machine is under a year old and is very loud when spinning.',
      },
    },
    {
      zh: { subject: '订单取消后仍被扣款', description: '订单已取消，但信用卡仍然被扣款。' },
      en: {
        subject: 'Charged after cancelling my order',
        description: 'I cancelled the order but my credit card was still charged.',
      },
    },
  ],
  tech: [
    {
      zh: { subject: '宽带无法连接', description: '从昨晚开始宽带无法连接，光猫的 LOS 灯一直红色闪烁。' },
      en: {
        subject: 'Broadband not connecting',
        description: 'Since last night the broadband is down and the LOS light blinks red.',
      },
    },
    {
      zh: { subject: '无法登录 App', description: '输入密码后提示“会话已过期”，重装后仍然无法登录。' },
      en: {
        subject: 'Cannot log in to the app',
        description: 'The app says "session expired" right after I sign in, even after reinstalling.',
      },
    },
    {
      zh: { subject: '路由器频繁断线', description: '每天晚上八点左右断线，重启路由器后恢复。' },
      en: {
        subject: 'Router keeps dropping the connection',
        description: 'Every evening around 8 pm the Wi-Fi drops until I restart the router.',
      },
    },
    {
      zh: { subject: '收不到短信验证码', description: '注册时点击获取验证码，等了十分钟也没有收到短信。' },
      en: {
        subject: 'Verification code SMS not arriving',
        description: 'I requested a code ten minutes ago and no SMS has arrived.',
      },
    },
    {
      zh: { subject: '网速远低于套餐速率', description: '办理的是 500M 套餐，测速只有 50M 左右。' },
      en: {
        subject: 'Speed far below my plan',
        description: 'I pay for 500 Mbps but speed tests show about 50 Mbps.',
      },
    },
  ],
  billing: [
    {
      zh: { subject: '发票抬头错误', description: '发票上的公司名称少了一个字，需要重新开具。' },
      en: {
        subject: 'Invoice shows wrong amount',
        description: 'The invoice total does not match the price on my contract.',
      },
    },
    {
      zh: { subject: '同一笔费用重复扣款', description: '本月账单同一笔费用被扣了两次。' },
      en: { subject: 'Charged twice this month', description: 'My statement shows the same charge twice.' },
    },
    {
      zh: { subject: '套餐资费疑问', description: '合同约定九折，但账单按原价计算。' },
      en: {
        subject: 'Question about my plan price',
        description: 'My contract has a 10% discount but the bill uses the full price.',
      },
    },
    {
      zh: { subject: '申请开具增值税专用发票', description: '公司报销需要增值税专用发票，请问如何申请？' },
      en: {
        subject: 'Need a VAT invoice',
        description: 'My company needs a VAT invoice for this purchase; how do I get one?',
      },
    },
    {
      zh: { subject: '充值未到账', description: '昨天通过银行卡充值 500 元，余额没有变化。' },
      en: {
        subject: 'Top-up not showing in my balance',
        description: 'I topped up 500 yesterday and my balance has not changed.',
      },
    },
  ],
};

export const REPLIES = {
  zh: [
    '您好，已收到您的反馈，我们正在核实。',
    '已联系仓库确认，预计两个工作日内处理完毕。',
    '请提供订单号和付款截图，方便我们核查。',
    '问题已处理，请您再试一次。',
    '已为您升级处理，专员会在今天内回电。',
  ],
  en: [
    'Thanks for reaching out; we are looking into it.',
    'I have checked with the warehouse; expect an update within two working days.',
    'Could you send the order number and a screenshot of the payment?',
    'This should be fixed now; please try again.',
    'I have escalated this; a specialist will call you today.',
  ],
} as const;

export const NOTES = [
  '已核实客户身份。',
  '等待财务确认。',
  'Customer called twice about this.',
  '需要二线支持协助。',
  'Checked logs: no outage in the area.',
];

export const ARTICLES: Record<DepartmentCode, { zh: string[]; en: string[] }> = {
  aftersales: {
    zh: [
      '退款流程与到账时间',
      '换货政策说明',
      '如何查询退货物流',
      '保修范围与维修预约',
      '订单取消规则',
      '破损商品处理指引',
    ],
    en: [
      'Refund process and timelines',
      'Exchange policy',
      'Tracking a return',
      'Warranty coverage and repair booking',
      'Order cancellation rules',
      'Handling damaged items',
    ],
  },
  tech: {
    zh: [
      '光猫指示灯含义',
      'App 登录问题排查',
      '路由器断线排查步骤',
      '短信验证码收不到怎么办',
      '宽带测速方法',
      'Wi-Fi 信道优化',
    ],
    en: [
      'What the modem lights mean',
      'Troubleshooting app sign-in',
      'Router disconnect checklist',
      'When verification SMS does not arrive',
      'How to test broadband speed',
      'Choosing a Wi-Fi channel',
    ],
  },
  billing: {
    zh: [
      '发票抬头修改流程',
      '重复扣费退款处理',
      '套餐资费说明',
      '增值税专用发票申请',
      '充值未到账处理',
      '账单周期说明',
    ],
    en: [
      'Correcting an invoice',
      'Refunding duplicate charges',
      'Plan pricing explained',
      'Requesting a VAT invoice',
      'Missing top-ups',
      'Understanding the billing cycle',
    ],
  },
};

/** Voice queues of the demo: one per department, each needing the department's skill. */
export const QUEUES = [
  { number: '8001', nameZh: '售后服务热线', nameEn: 'After-sales hotline', code: 'aftersales' as const },
  { number: '8002', nameZh: '技术支持', nameEn: 'Technical support', code: 'tech' as const },
  { number: '8003', nameZh: '账务', nameEn: 'Billing', code: 'billing' as const },
];
export const QUEUE_RING_TIMEOUT_SECONDS = 20;
