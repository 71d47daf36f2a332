import type { TrainingLine } from '../../../src/shared/triage/model';

type L = [string, TrainingLine['category'], TrainingLine['priority'], boolean];

/**
 * A small labelled set for the desktop's tests: two Chinese and two English contacts per category, enough for a
 * real model (trainTriageModel) to tell them apart. The shipped data set is for the model's own evaluation.
 */
const LINES: L[] = [
  ['我要退货，衣服尺码不对，怎么换货', 'return_exchange', 'normal', true],
  ['收到的鞋子有问题想退换货', 'return_exchange', 'normal', true],
  ['I want to return this jacket and exchange it for a larger size', 'return_exchange', 'normal', true],
  ['how do I send back the shoes for an exchange', 'return_exchange', 'low', true],
  ['洗衣机坏了还在保修期内，要维修', 'repair_warranty', 'high', false],
  ['电视保修期内屏幕坏了申请维修', 'repair_warranty', 'normal', false],
  ['my fridge broke and it is still under warranty, need a repair', 'repair_warranty', 'high', false],
  ['warranty repair for the washing machine please', 'repair_warranty', 'normal', false],
  ['快递三天了还没送到，物流不更新', 'delivery_logistics', 'normal', false],
  ['包裹配送地址错了，快递在哪里', 'delivery_logistics', 'normal', false],
  ['my parcel delivery is late and tracking has not moved', 'delivery_logistics', 'normal', false],
  ['where is my package, the courier never came', 'delivery_logistics', 'high', false],
  ['空调什么时候上门安装', 'installation', 'normal', false],
  ['预约安装热水器师傅', 'installation', 'low', false],
  ['when will the technician come to install the air conditioner', 'installation', 'normal', false],
  ['book an installation appointment for my water heater', 'installation', 'low', false],
  ['家里断网了，宽带完全连不上，急！', 'network_outage', 'urgent', false],
  ['整个小区网络中断，光猫红灯', 'network_outage', 'urgent', false],
  ['internet is down, broadband outage since this morning!!', 'network_outage', 'urgent', false],
  ['no internet connection at all, the network is out', 'network_outage', 'urgent', false],
  ['路由器坏了，一直重启', 'device_fault', 'high', false],
  ['机顶盒故障开不了机', 'device_fault', 'high', false],
  ['my router is faulty and keeps rebooting', 'device_fault', 'high', false],
  ['the set top box is broken and will not turn on', 'device_fault', 'high', false],
  ['App 登录不了，密码重置收不到验证码', 'app_account_login', 'normal', true],
  ['账号被锁定无法登录 App', 'app_account_login', 'high', true],
  ['cannot log in to the app, password reset code never arrives', 'app_account_login', 'normal', true],
  ['my account is locked and I cannot sign in', 'app_account_login', 'high', true],
  ['怎么设置路由器的无线密码', 'setup_howto', 'low', true],
  ['请问如何设置家长控制', 'setup_howto', 'low', true],
  ['how do I set up the wifi password on the router', 'setup_howto', 'low', true],
  ['how to configure parental controls', 'setup_howto', 'low', true],
  ['这个月被多扣了一笔钱，扣费错误', 'wrong_charge', 'high', false],
  ['账单多收费了，重复扣款', 'wrong_charge', 'high', false],
  ['I was charged twice this month, wrong charge on my bill', 'wrong_charge', 'high', false],
  ['there is an extra charge on my bill I never agreed to', 'wrong_charge', 'high', false],
  ['退款申请了一周还没到账', 'refund_status', 'normal', true],
  ['我的退款进度怎么样了', 'refund_status', 'normal', true],
  ['my refund has not arrived after a week', 'refund_status', 'normal', true],
  ['what is the status of my refund', 'refund_status', 'normal', true],
  ['需要开增值税发票', 'invoice_request', 'low', true],
  ['请帮我开具上个月的发票', 'invoice_request', 'low', true],
  ['I need a VAT invoice for last month', 'invoice_request', 'low', true],
  ['please send me an invoice for my payment', 'invoice_request', 'low', true],
  ['我想换一个便宜点的套餐', 'plan_change', 'normal', true],
  ['套餐升级到千兆宽带', 'plan_change', 'normal', true],
  ['I want to change my plan to a cheaper one', 'plan_change', 'normal', true],
  ['upgrade my plan to gigabit', 'plan_change', 'normal', true],
];

const DEPARTMENT: Record<TrainingLine['category'], TrainingLine['department']> = {
  return_exchange: 'after_sales',
  repair_warranty: 'after_sales',
  delivery_logistics: 'after_sales',
  installation: 'after_sales',
  network_outage: 'tech_support',
  device_fault: 'tech_support',
  app_account_login: 'tech_support',
  setup_howto: 'tech_support',
  wrong_charge: 'billing',
  refund_status: 'billing',
  invoice_request: 'billing',
  plan_change: 'billing',
};

export const TRAINING_LINES: TrainingLine[] = LINES.map(([text, category, priority, self]) => ({
  text,
  channel: 'web',
  department: DEPARTMENT[category],
  category,
  priority,
  self_service: self,
}));
