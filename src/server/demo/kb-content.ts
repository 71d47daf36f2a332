/**
 * Knowledge-base articles of the demo (issue 13): for each demo department, articles in Chinese and English with
 * concrete steps, in categories, public (customers may see them through the web-chat bot) or internal (agents
 * only). Each entry is one topic written in both languages; kb-seed.ts turns them into rows.
 */
import type { DepartmentCode } from './content';

export interface KbCategorySeed {
  key: string;
  code: DepartmentCode;
  nameZh: string;
  nameEn: string;
}

export const KB_CATEGORIES: readonly KbCategorySeed[] = [
  { key: 'refunds', code: 'aftersales', nameZh: '退款', nameEn: 'Refunds' },
  { key: 'returns', code: 'aftersales', nameZh: '退换货', nameEn: 'Returns and exchanges' },
  { key: 'warranty', code: 'aftersales', nameZh: '保修与维修', nameEn: 'Warranty and repairs' },
  { key: 'orders', code: 'aftersales', nameZh: '订单与物流', nameEn: 'Orders and delivery' },
  { key: 'network', code: 'tech', nameZh: '网络与宽带', nameEn: 'Network and broadband' },
  { key: 'devices', code: 'tech', nameZh: '设备', nameEn: 'Devices' },
  { key: 'account', code: 'tech', nameZh: '账号与登录', nameEn: 'Account and sign-in' },
  { key: 'app', code: 'tech', nameZh: 'App 使用', nameEn: 'Using the app' },
  { key: 'invoices', code: 'billing', nameZh: '发票', nameEn: 'Invoices' },
  { key: 'charges', code: 'billing', nameZh: '扣费与退费', nameEn: 'Charges and refunds' },
  { key: 'plans', code: 'billing', nameZh: '套餐资费', nameEn: 'Plans and pricing' },
  { key: 'payments', code: 'billing', nameZh: '充值与缴费', nameEn: 'Top-ups and payments' },
];

export interface KbTopic {
  code: DepartmentCode;
  category: string;
  audience: 'public' | 'internal';
  tags: string[];
  zh: [title: string, body: string];
  en: [title: string, body: string];
}

const t = (
  code: DepartmentCode,
  category: string,
  audience: 'public' | 'internal',
  tags: string[],
  zh: [string, string],
  en: [string, string],
): KbTopic => ({ code, category, audience, tags, zh, en });

export const KB_TOPICS: readonly KbTopic[] = [
  // ---------------------------------------------------------------- after-sales
  t(
    'aftersales',
    'refunds',
    'public',
    ['退款', 'refund'],
    [
      '退款流程与到账时间',
      '退款审核通过后，款项按原支付方式退回。\n\n1. 在“我的订单”中找到该订单，点击“申请退款”并选择原因。\n2. 已发货的订单需先寄回商品，仓库签收后 1 个工作日内完成审核。\n3. 审核通过后：微信、支付宝 1-3 个工作日到账，银行卡 3-7 个工作日到账，信用卡以账单日为准。\n\n超过上述时间仍未到账，请提供订单号和支付截图，我们会向支付渠道查询。',
    ],
    [
      'Refund process and timelines',
      'Once a refund is approved, the money goes back the way it was paid.\n\n1. Open My orders, find the order and choose Request refund with a reason.\n2. If the order has shipped, send the item back first; the warehouse reviews it within 1 working day of receipt.\n3. After approval: WeChat Pay and Alipay take 1-3 working days, bank cards 3-7 working days, credit cards show it on the next statement.\n\nIf the money has not arrived after that, send us the order number and a screenshot of the payment and we will trace it with the payment provider.',
    ],
  ),
  t(
    'aftersales',
    'returns',
    'public',
    ['换货', 'exchange'],
    [
      '换货政策说明',
      '签收后 15 天内，商品存在质量问题可申请换货；7 天内可无理由换其他规格。\n\n1. 在订单详情点击“申请售后”，选择“换货”，上传问题照片。\n2. 审核通过后按页面提供的地址寄回，运单号填写在售后单中。\n3. 仓库收货检验后 2 个工作日内发出新商品。\n\n质量问题的来回运费由我们承担；无理由换货的寄回运费由客户承担。',
    ],
    [
      'Exchange policy',
      'Within 15 days of delivery a faulty item can be exchanged; within 7 days you may exchange it for another size or colour without a reason.\n\n1. In the order details choose After-sales service, then Exchange, and upload photos of the problem.\n2. Once approved, send the item to the address shown and enter the tracking number in the request.\n3. The warehouse checks the item and ships the replacement within 2 working days.\n\nWe pay shipping both ways for faulty items; for exchanges without a reason the customer pays the return shipping.',
    ],
  ),
  t(
    'aftersales',
    'returns',
    'public',
    ['退货', '物流', 'return', 'tracking'],
    [
      '如何查询退货物流',
      '寄回商品后，可以随时查看退货进度。\n\n1. 打开“我的订单”，进入对应的售后单。\n2. 确认已填写寄回运单号；未填写的请尽快补填，否则仓库无法匹配包裹。\n3. 点击“查看物流”可看到快递轨迹，仓库签收后状态变为“待检验”。\n\n如果快递显示已签收超过 3 天状态仍未更新，请联系客服并提供运单号。',
    ],
    [
      'Tracking a return',
      'After sending an item back you can follow the return at any time.\n\n1. Open My orders and go to the after-sales request.\n2. Check that the return tracking number is filled in; without it the warehouse cannot match the parcel.\n3. Choose View tracking to see the courier scans; once the warehouse signs for it the status becomes Awaiting inspection.\n\nIf the courier shows it delivered more than 3 days ago and the status has not changed, contact us with the tracking number.',
    ],
  ),
  t(
    'aftersales',
    'warranty',
    'public',
    ['保修', '维修', 'warranty', 'repair'],
    [
      '保修范围与维修预约',
      '整机保修一年，电池与充电器保修六个月，人为损坏和进水不在保修范围内。\n\n1. 准备购买凭证（订单号或发票）和设备序列号。\n2. 在 App 的“服务”页选择“预约维修”，选择上门取件或到店。\n3. 维修完成后会短信通知，保修期内的维修不收取任何费用。\n\n保修期外的维修会先报价，客户确认后才开始维修。',
    ],
    [
      'Warranty coverage and repair booking',
      'Devices carry a one-year warranty, batteries and chargers six months; accidental damage and water damage are not covered.\n\n1. Have the proof of purchase (order number or invoice) and the serial number ready.\n2. In the app go to Service, choose Book a repair, then pick courier pick-up or a store visit.\n3. You get a text message when the repair is done; repairs under warranty are free of charge.\n\nOut of warranty we send a quote first and only start once the customer accepts it.',
    ],
  ),
  t(
    'aftersales',
    'orders',
    'public',
    ['取消订单', 'cancel'],
    [
      '订单取消规则',
      '未发货的订单可直接取消，已发货的订单需要拒收或退货。\n\n1. 在“我的订单”中点击“取消订单”，选择取消原因。\n2. 未发货订单取消后，款项原路退回，时间与退款相同。\n3. 已发货订单请拒收包裹，快递退回仓库后自动退款。\n\n预售和定制商品付定金后不支持取消，页面会有提示。',
    ],
    [
      'Order cancellation rules',
      'Orders that have not shipped can be cancelled directly; shipped orders must be refused or returned.\n\n1. In My orders choose Cancel order and pick a reason.\n2. For unshipped orders the money is refunded the way it was paid, on the usual refund timelines.\n3. For shipped orders, refuse the parcel at delivery; the refund starts once it is back at the warehouse.\n\nPre-orders and made-to-order items cannot be cancelled after the deposit is paid; the product page says so.',
    ],
  ),
  t(
    'aftersales',
    'returns',
    'public',
    ['破损', 'damaged'],
    [
      '破损商品处理指引',
      '收到商品破损时，请在签收后 48 小时内反馈，我们会优先处理。\n\n1. 拍摄外包装、面单和破损部位的照片，尽量保留原包装。\n2. 在订单详情点击“申请售后”，选择“商品破损”，上传照片。\n3. 客服核实后可选择补发、换货或退款，补发订单当天安排发出。\n\n超过 48 小时反馈的，需要提供开箱视频才能认定为运输破损。',
    ],
    [
      'Handling damaged items',
      'If an item arrives damaged, tell us within 48 hours of delivery and we handle it first.\n\n1. Photograph the outer box, the shipping label and the damage; keep the original packaging if you can.\n2. In the order details choose After-sales service, then Item damaged, and upload the photos.\n3. After we check, choose a replacement, an exchange or a refund; replacements ship the same day.\n\nReports after 48 hours need an unboxing video for us to treat it as transport damage.',
    ],
  ),
  t(
    'aftersales',
    'refunds',
    'public',
    ['部分退款', 'partial refund'],
    [
      '部分退款如何计算',
      '一个订单中只退部分商品时，按商品实付金额退款。\n\n1. 实付金额 = 商品价格 - 分摊到该商品的优惠券和满减。\n2. 订单运费只有在全部商品都退货时才退还。\n3. 使用积分抵扣的部分以积分形式退回账户，有效期不变。\n\n在售后单详情中可以看到每一项的计算明细。',
    ],
    [
      'How partial refunds are calculated',
      'When only some items of an order are returned, each is refunded at what was actually paid for it.\n\n1. Amount paid = item price minus the share of coupons and discounts applied to that item.\n2. Shipping is refunded only when every item of the order is returned.\n3. Points used to pay go back to the account as points, with their original expiry date.\n\nThe after-sales request shows the calculation line by line.',
    ],
  ),
  t(
    'aftersales',
    'refunds',
    'internal',
    ['退款', '加急', 'escalation'],
    [
      '退款超时未到账的升级处理',
      '客户反馈退款超时未到账时，坐席按以下步骤处理。\n\n1. 在订单系统确认退款状态为“已退款”并记录退款流水号。\n2. 超过承诺时间 2 个工作日的，在工单中选择“退款异常”并转给账务组。\n3. 告知客户预计 3 个工作日内回复，并设置工单提醒。\n\n不要向客户承诺具体到账日期，以支付渠道查询结果为准。',
    ],
    [
      'Escalating refunds that have not arrived',
      "When a customer reports a refund that is overdue, agents follow these steps.\n\n1. In the order system confirm the refund status is Refunded and note the refund transaction number.\n2. If it is more than 2 working days past the promised time, mark the ticket Refund problem and transfer it to Billing.\n3. Tell the customer to expect an answer within 3 working days and set a reminder on the ticket.\n\nDo not promise a date for the money to arrive; the payment provider's answer decides it.",
    ],
  ),
  t(
    'aftersales',
    'orders',
    'public',
    ['发货', '延迟', 'delivery', 'delay'],
    [
      '订单迟迟未发货怎么办',
      '现货商品一般在付款后 48 小时内发货，大促期间可能延长至 72 小时。\n\n1. 在订单详情查看预计发货时间。\n2. 超过预计时间仍未发货，可点击“催发货”，仓库会优先处理。\n3. 如需取消，未发货订单可直接取消并全额退款。\n\n偏远地区和大件商品的发货时间以商品页说明为准。',
    ],
    [
      'What to do when an order has not shipped',
      'Items in stock normally ship within 48 hours of payment, up to 72 hours during big sales.\n\n1. Check the expected shipping date in the order details.\n2. If that date has passed, choose Hurry shipment and the warehouse puts it first.\n3. Unshipped orders can also be cancelled for a full refund.\n\nRemote areas and bulky items follow the shipping times on the product page.',
    ],
  ),
  t(
    'aftersales',
    'orders',
    'public',
    ['地址', 'address'],
    [
      '修改收货地址',
      '订单发货前可以修改收货地址，发货后需联系快递改派。\n\n1. 在订单详情点击“修改地址”，选择或新增地址后保存。\n2. 页面提示“修改成功”即生效，新的地址会显示在订单中。\n3. 已发货订单请联系快递公司申请改派，可能产生额外费用。\n\n同一订单地址最多修改两次。',
    ],
    [
      'Changing the delivery address',
      "The delivery address can be changed until the order ships; after that the courier must redirect it.\n\n1. In the order details choose Change address, pick or add an address and save.\n2. The change applies once the page says Address updated; the order then shows the new address.\n3. For shipped orders ask the courier to redirect the parcel, which may cost extra.\n\nAn order's address can be changed at most twice.",
    ],
  ),
  t(
    'aftersales',
    'warranty',
    'public',
    ['维修进度', 'repair status'],
    [
      '查询维修进度',
      '送修后可以在 App 中查看维修进度。\n\n1. 打开“服务”页，进入“我的维修单”。\n2. 状态依次为：已收件、检测中、维修中、已寄回。\n3. 检测发现需要付费时，会先发送报价短信，回复确认后才继续维修。\n\n维修一般需要 5-7 个工作日，需要更换主板时可能延长。',
    ],
    [
      "Checking a repair's progress",
      'After sending a device for repair you can follow it in the app.\n\n1. Open Service and go to My repairs.\n2. The status moves through Received, Diagnosing, Repairing and Shipped back.\n3. If the repair needs to be paid for, we text you a quote first and continue only after you confirm.\n\nRepairs usually take 5-7 working days, longer when the main board must be replaced.',
    ],
  ),
  t(
    'aftersales',
    'returns',
    'public',
    ['七天无理由', 'return policy'],
    [
      '七天无理由退货条件',
      '签收后 7 天内，商品完好且不影响二次销售的，可以无理由退货。\n\n1. 商品、配件、赠品和说明书需齐全，包装完好。\n2. 在订单详情申请退货，选择“七天无理由”。\n3. 寄回运费由客户承担，退款在仓库验收后 1 个工作日内发起。\n\n定制商品、已激活的电子产品和贴身用品不支持无理由退货。',
    ],
    [
      'Seven-day no-reason returns',
      'Within 7 days of delivery an item in resalable condition can be returned without a reason.\n\n1. Return the item with all accessories, gifts and manuals, in its packaging.\n2. In the order details request a return and choose 7-day no-reason return.\n3. The customer pays return shipping; the refund starts within 1 working day of the warehouse checking the item.\n\nMade-to-order items, activated electronics and intimate items are excluded.',
    ],
  ),
  t(
    'aftersales',
    'refunds',
    'public',
    ['优惠券', 'coupon'],
    [
      '退款后优惠券如何处理',
      '订单全部退款后，未过期的优惠券会退回账户。\n\n1. 优惠券在退款完成后 24 小时内退回“我的优惠券”。\n2. 已过期的优惠券不会退回。\n3. 部分退款时，优惠券不退回，按比例从退款金额中扣除已分摊的优惠。\n\n如 24 小时后仍未看到优惠券，请联系客服。',
    ],
    [
      'What happens to coupons after a refund',
      'When an order is refunded in full, coupons that have not expired go back to the account.\n\n1. Coupons return to My coupons within 24 hours of the refund completing.\n2. Coupons that have expired are not returned.\n3. On a partial refund the coupon is not returned; its share is deducted from the refund.\n\nIf the coupon is not back after 24 hours, contact us.',
    ],
  ),
  t(
    'aftersales',
    'warranty',
    'internal',
    ['保修', '判定', 'warranty'],
    [
      '保修判定检查清单',
      '坐席判断是否属于保修时，按以下顺序核对。\n\n1. 核对购买日期是否在保修期内（以发票或订单为准）。\n2. 询问是否有跌落、进水、私自拆修；如有，属于人为损坏。\n3. 序列号与订单不一致的，转售后二线核实。\n\n无法判断时建议客户先送检，检测后再确定是否收费。',
    ],
    [
      'Warranty decision checklist',
      'When deciding whether a fault is covered, agents check in this order.\n\n1. Is the purchase date within the warranty period (invoice or order decides)?\n2. Was the device dropped, exposed to water or opened by someone else? If so it counts as accidental damage.\n3. If the serial number does not match the order, transfer to second-line after-sales to verify.\n\nWhen unsure, ask the customer to send it in for diagnosis; charges are decided after that.',
    ],
  ),
  t(
    'aftersales',
    'orders',
    'public',
    ['发票', '补开', 'invoice'],
    [
      '订单如何补开发票',
      '下单时未开发票，可以在签收后 90 天内申请补开。\n\n1. 在订单详情点击“申请发票”，填写抬头和税号。\n2. 电子发票在 1 个工作日内发送到填写的邮箱。\n3. 需要纸质发票的，可以选择邮寄，3-5 个工作日送达。\n\n退货商品的发票需要一并作废，请在退货时说明。',
    ],
    [
      'Getting an invoice for an order afterwards',
      'If no invoice was requested at checkout, you can ask for one within 90 days of delivery.\n\n1. In the order details choose Request invoice and enter the company name and tax number.\n2. Electronic invoices are emailed within 1 working day.\n3. Paper invoices can be posted and arrive in 3-5 working days.\n\nInvoices of returned items must be cancelled too; mention it when you return them.',
    ],
  ),
  t(
    'aftersales',
    'orders',
    'public',
    ['快递', '丢件', 'lost parcel'],
    [
      '快递显示签收但未收到',
      '物流显示已签收但本人没有收到时，请先确认是否被代收。\n\n1. 询问家人、前台、物业或快递柜是否代收。\n2. 联系派送快递员，电话在物流详情中。\n3. 24 小时内仍找不到，在订单中申请“未收到货”，我们会向快递公司发起调查，3 个工作日内给出处理结果。\n\n确认丢件的，我们会补发或全额退款。',
    ],
    [
      'Parcel shown as delivered but not received',
      'If tracking shows the parcel as delivered but you do not have it, first check whether someone took it in.\n\n1. Ask family, reception, the building manager, or check the parcel locker.\n2. Call the courier; the number is in the tracking details.\n3. If it is still missing after 24 hours, report Not received in the order; we open an investigation with the courier and answer within 3 working days.\n\nIf the parcel is lost we send a replacement or refund in full.',
    ],
  ),
  t(
    'aftersales',
    'returns',
    'internal',
    ['退货', '拒收', 'refused'],
    [
      '仓库拒收退货的处理',
      '仓库因商品缺件或人为损坏拒收退货时，坐席按以下步骤处理。\n\n1. 在售后系统查看拒收原因和仓库上传的照片。\n2. 向客户说明原因，并提供两个选择：寄回给客户（运费到付）或补齐配件后重新验收。\n3. 客户有异议的，升级给售后主管复核，在工单中附上照片。\n\n复核结果 2 个工作日内回复客户。',
    ],
    [
      'When the warehouse refuses a return',
      "When the warehouse refuses a return because parts are missing or the item is damaged, agents do this.\n\n1. Read the refusal reason and the warehouse photos in the after-sales system.\n2. Explain the reason and offer two choices: ship it back to the customer (carriage forward), or send the missing parts for a new check.\n3. If the customer disagrees, escalate to the after-sales supervisor with the photos attached to the ticket.\n\nThe customer gets the review's outcome within 2 working days.",
    ],
  ),
  t(
    'aftersales',
    'warranty',
    'public',
    ['以旧换新', 'trade-in'],
    [
      '以旧换新怎么操作',
      '以旧换新可以用旧设备抵扣新设备的部分价格。\n\n1. 在商品页点击“以旧换新”，选择旧设备型号并回答成色问题，得到预估价。\n2. 下单新设备时选择以旧换新，快递上门回收旧设备。\n3. 旧设备检测完成后，最终抵扣金额退回原支付账户。\n\n检测价格与预估价不一致时，可以选择取消回收，旧设备免费寄回。',
    ],
    [
      'How trade-in works',
      'Trade-in lets an old device pay for part of a new one.\n\n1. On the product page choose Trade in, pick the old model and answer the condition questions to get an estimate.\n2. Choose trade-in when ordering the new device; a courier collects the old one.\n3. After the old device is checked, the final amount is refunded to the original payment account.\n\nIf the checked price differs from the estimate, you may cancel and get the old device back free of charge.',
    ],
  ),
  t(
    'aftersales',
    'refunds',
    'public',
    ['价保', 'price protection'],
    [
      '价格保护申请',
      '购买后 7 天内商品降价的，可以申请价格保护，退还差价。\n\n1. 在订单详情点击“价格保护”，系统自动比对当前价格。\n2. 符合条件的差价在 1 个工作日内退回原支付账户。\n3. 限时秒杀、直播专享价和使用了优惠券后的价格不参与比价。\n\n每个订单只能申请一次价格保护。',
    ],
    [
      'Price protection claims',
      'If the price drops within 7 days of purchase, you can claim the difference back.\n\n1. In the order details choose Price protection; the system compares the current price.\n2. An eligible difference is refunded to the original payment account within 1 working day.\n3. Flash sales, live-stream prices and prices after coupons are not compared.\n\nEach order can be claimed once.',
    ],
  ),
  t(
    'aftersales',
    'orders',
    'internal',
    ['投诉', '安抚', 'complaint'],
    [
      '客户投诉的安抚与补偿标准',
      '处理售后投诉时，坐席可在权限内给予补偿。\n\n1. 先确认问题并道歉，记录客户诉求。\n2. 物流延误超过 3 天，可发放 10 元无门槛券；商品质量问题可发放 20 元券。\n3. 客户要求更高补偿的，转主管审批，不要当场承诺。\n\n每次补偿都要写在工单内部备注中。',
    ],
    [
      'Calming complaints and compensation limits',
      'Agents may give compensation within these limits when handling after-sales complaints.\n\n1. Acknowledge the problem, apologise and note what the customer asks for.\n2. For delivery delays over 3 days, give a 10 yuan coupon with no minimum spend; for quality problems, a 20 yuan coupon.\n3. If the customer asks for more, send it to a supervisor for approval; do not promise it on the call.\n\nRecord every compensation in an internal note on the ticket.',
    ],
  ),

  // ---------------------------------------------------------------- technical support
  t(
    'tech',
    'devices',
    'public',
    ['光猫', '指示灯', 'modem', 'lights'],
    [
      '光猫指示灯含义',
      '光猫正面的指示灯能帮助判断故障位置。\n\n1. PON 灯常亮：光纤注册正常；闪烁或熄灭：光纤未注册，请检查光纤是否弯折。\n2. LOS 灯红色闪烁：光信号中断，需要报修线路。\n3. LAN 灯熄灭：对应网口没有设备连接，请检查网线。\n\n如果 LOS 灯红色，请直接报修，上门维修不收取费用。',
    ],
    [
      'What the modem lights mean',
      'The lights on the front of the optical modem show where a fault is.\n\n1. PON steady: the fibre is registered; flashing or off: not registered, check the fibre cable is not bent.\n2. LOS flashing red: the optical signal is lost and the line needs a repair visit.\n3. LAN off: nothing is connected to that port; check the network cable.\n\nIf LOS is red, book a repair straight away; line repairs are free.',
    ],
  ),
  t(
    'tech',
    'app',
    'public',
    ['登录', 'App', 'sign-in'],
    [
      'App 登录问题排查',
      '无法登录 App 时，按以下步骤排查。\n\n1. 确认手机号或账号输入正确，密码区分大小写。\n2. 将 App 更新到最新版本，旧版本可能无法登录。\n3. 连续输错 5 次密码会锁定 30 分钟，可以用“忘记密码”通过短信重置。\n4. 切换 Wi-Fi 和移动数据再试一次。\n\n仍无法登录的，请提供手机型号和错误提示截图。',
    ],
    [
      'Troubleshooting app sign-in',
      'When the app will not sign in, work through these steps.\n\n1. Check the phone number or account name; passwords are case-sensitive.\n2. Update the app to the latest version; old versions may no longer sign in.\n3. Five wrong passwords in a row lock the account for 30 minutes; use Forgot password to reset it by text message.\n4. Switch between Wi-Fi and mobile data and try again.\n\nIf it still fails, send us the phone model and a screenshot of the error.',
    ],
  ),
  t(
    'tech',
    'network',
    'public',
    ['路由器', '断线', 'router', 'disconnect'],
    [
      '路由器断线排查步骤',
      '路由器频繁断线时，可以按以下步骤自行排查。\n\n1. 重启光猫和路由器：先断电 30 秒，先开光猫，2 分钟后再开路由器。\n2. 检查光猫到路由器的网线是否插紧，可以换一根网线试试。\n3. 登录路由器管理页面，确认上网方式和宽带账号密码正确。\n4. 将路由器固件升级到最新版本。\n\n有线连接也断线的，多半是线路问题，请报修。',
    ],
    [
      'Router disconnect checklist',
      "If the router keeps dropping the connection, try these steps.\n\n1. Restart the modem and router: unplug both for 30 seconds, power the modem first, then the router 2 minutes later.\n2. Check the cable from the modem to the router is firmly in; try another cable.\n3. Open the router's admin page and check the connection type and broadband user name and password.\n4. Update the router firmware to the latest version.\n\nIf a wired connection drops too, the line is the likely cause: book a repair.",
    ],
  ),
  t(
    'tech',
    'account',
    'public',
    ['验证码', '短信', 'SMS', 'verification code'],
    [
      '短信验证码收不到怎么办',
      '收不到短信验证码时，请依次检查。\n\n1. 确认手机号正确、手机有信号且没有欠费停机。\n2. 查看短信是否被安全软件拦截，打开“拦截记录”看看。\n3. 同一号码 1 小时内最多获取 5 次验证码，超过后请稍后再试。\n4. 可以选择“语音验证码”，系统会来电播报。\n\n以上都正常仍收不到的，请联系客服人工验证身份。',
    ],
    [
      'When verification SMS does not arrive',
      'If the verification text message does not arrive, check in order.\n\n1. The phone number is right, the phone has signal and the line is not suspended.\n2. A security app has not blocked it; look in its blocked messages.\n3. One number can request at most 5 codes per hour; wait and try again later.\n4. Choose Voice code and the system calls you with it.\n\nIf all that is fine and nothing arrives, contact us to verify your identity by hand.',
    ],
  ),
  t(
    'tech',
    'network',
    'public',
    ['测速', '网速', 'speed test'],
    [
      '宽带测速方法',
      '怀疑网速不达标时，请用有线方式测速，结果更准确。\n\n1. 用网线将电脑直接连接光猫的 LAN1 口。\n2. 关闭其他设备和下载任务，打开官方测速页面。\n3. 连续测 3 次取平均值，达到签约速率的 90% 即为正常。\n\nWi-Fi 测速受距离和墙体影响，低于签约速率不一定是线路问题。',
    ],
    [
      'How to test broadband speed',
      "If the speed seems too low, test over a cable; the result is more accurate.\n\n1. Connect a computer directly to the modem's LAN1 port with a network cable.\n2. Stop other devices and downloads, then open the official speed test page.\n3. Test 3 times and take the average; 90% of the contracted speed counts as normal.\n\nWi-Fi results depend on distance and walls; a lower figure over Wi-Fi is not necessarily a line fault.",
    ],
  ),
  t(
    'tech',
    'network',
    'public',
    ['Wi-Fi', '信道', 'channel'],
    [
      'Wi-Fi 信道优化',
      '邻居路由器多时，Wi-Fi 容易互相干扰，换一个信道可以改善。\n\n1. 登录路由器管理页面，进入“无线设置”。\n2. 2.4G 建议选择 1、6、11 信道中最空闲的一个；5G 建议选择 149 以上信道。\n3. 保存后路由器会重启无线，设备需要重新连接。\n\n尽量使用 5G 频段，速度更快、干扰更少，但穿墙能力较弱。',
    ],
    [
      'Choosing a Wi-Fi channel',
      "With many neighbouring routers, Wi-Fi networks interfere; another channel can help.\n\n1. Open the router's admin page and go to Wireless settings.\n2. On 2.4 GHz pick the quietest of channels 1, 6 and 11; on 5 GHz use channel 149 or above.\n3. Save; the router restarts its wireless and devices must reconnect.\n\nPrefer the 5 GHz band: it is faster and less crowded, but passes walls less well.",
    ],
  ),
  t(
    'tech',
    'account',
    'public',
    ['密码', '重置', 'password', 'reset'],
    [
      '如何重置账号密码',
      '忘记密码时可以通过手机号自助重置。\n\n1. 在登录页点击“忘记密码”，输入注册手机号。\n2. 输入收到的短信验证码，设置新密码（8 位以上，包含字母和数字）。\n3. 重置成功后，其他设备上的登录会自动退出。\n\n手机号已停用的，请携带身份证到营业厅办理。',
    ],
    [
      'Resetting your account password',
      'If you forgot the password, reset it yourself with your phone number.\n\n1. On the sign-in page choose Forgot password and enter the registered phone number.\n2. Enter the code from the text message and set a new password (at least 8 characters, letters and digits).\n3. After the reset, every other device is signed out.\n\nIf that phone number is no longer in use, visit a store with your ID card.',
    ],
  ),
  t(
    'tech',
    'devices',
    'public',
    ['机顶盒', '电视', 'set-top box', 'TV'],
    [
      '机顶盒无信号处理',
      '电视显示“无信号”时，多数是连接或输入源问题。\n\n1. 用电视遥控器切换输入源到机顶盒连接的 HDMI 口。\n2. 检查 HDMI 线两端是否插紧，可以换一个 HDMI 口。\n3. 重启机顶盒：断电 10 秒后重新通电，等待 2 分钟。\n4. 机顶盒指示灯不亮的，检查电源适配器。\n\n仍无信号的，请报修，工程师会上门检测。',
    ],
    [
      'Set-top box shows no signal',
      "When the TV says No signal, it is usually the connection or the input.\n\n1. Use the TV remote to switch the input to the HDMI port the box is on.\n2. Check both ends of the HDMI cable; try another HDMI port.\n3. Restart the box: unplug it for 10 seconds, plug it in and wait 2 minutes.\n4. If the box's light is off, check its power adapter.\n\nIf there is still no signal, book a repair and an engineer will visit.",
    ],
  ),
  t(
    'tech',
    'network',
    'internal',
    ['报修', '工单', 'repair ticket'],
    [
      '宽带报修工单填写规范',
      '坐席为客户提交宽带报修时，工单需写清以下内容，避免工程师重复联系。\n\n1. 宽带账号、安装地址和客户可接听电话的时间段。\n2. 光猫指示灯状态（PON、LOS 颜色）和已做过的排查步骤。\n3. 故障开始时间，是否整栋楼都有问题。\n\n工单优先级：全部断网为高，网速慢为普通。',
    ],
    [
      'How to fill in a broadband repair ticket',
      'When booking a broadband repair for a customer, write these on the ticket so the engineer does not have to call again.\n\n1. Broadband account, installation address and when the customer can take calls.\n2. The modem lights (PON, LOS colour) and the checks already done.\n3. When the fault started and whether the whole building is affected.\n\nPriority: no connection at all is high; slow speed is normal.',
    ],
  ),
  t(
    'tech',
    'app',
    'public',
    ['闪退', 'crash'],
    [
      'App 闪退怎么办',
      'App 打开后闪退，通常可以通过以下步骤解决。\n\n1. 将 App 更新到最新版本。\n2. 在手机设置中清除 App 缓存（不会删除账号数据）。\n3. 确认手机系统版本：安卓 8.0 或 iOS 13 以上。\n4. 卸载后重新安装 App。\n\n仍然闪退的，请在“意见反馈”中提交，并注明手机型号和系统版本。',
    ],
    [
      'The app closes on its own',
      "If the app crashes on opening, these steps usually fix it.\n\n1. Update the app to the latest version.\n2. Clear the app's cache in the phone settings (your account data stays).\n3. Check the phone runs Android 8.0 or iOS 13 or later.\n4. Uninstall and reinstall the app.\n\nIf it still crashes, send Feedback from the app with the phone model and system version.",
    ],
  ),
  t(
    'tech',
    'devices',
    'public',
    ['光猫', '重启', 'restart'],
    [
      '正确重启光猫和路由器',
      '很多网络问题重启后即可恢复，但顺序很重要。\n\n1. 先关闭路由器，再关闭光猫，断电等待 30 秒。\n2. 先接通光猫电源，等 PON 灯常亮（约 2 分钟）。\n3. 再接通路由器电源，等待无线信号出现后重新连接。\n\n不要按光猫背面的 Reset 孔，否则会清除宽带配置，需要工程师重新设置。',
    ],
    [
      'Restarting the modem and router the right way',
      'Many network problems go away after a restart, but the order matters.\n\n1. Switch off the router, then the modem, and leave them unplugged for 30 seconds.\n2. Power the modem first and wait until PON is steady (about 2 minutes).\n3. Then power the router and reconnect once the Wi-Fi appears.\n\nDo not press the Reset hole on the back of the modem: it erases the broadband settings and an engineer must set it up again.',
    ],
  ),
  t(
    'tech',
    'network',
    'public',
    ['IPv6', '游戏', 'latency', 'gaming'],
    [
      '游戏延迟高的处理',
      '玩游戏延迟高时，可以尝试以下方法。\n\n1. 尽量使用网线连接，Wi-Fi 会增加延迟和抖动。\n2. 关闭其他设备上的视频和下载。\n3. 在路由器中开启“游戏加速”或 QoS，并把游戏设备设为优先。\n4. 选择离自己近的游戏服务器。\n\n晚高峰延迟明显升高的，可以报修，我们会检测线路质量。',
    ],
    [
      'Dealing with high gaming latency',
      'If games lag, try these.\n\n1. Use a network cable where you can; Wi-Fi adds delay and jitter.\n2. Stop video and downloads on other devices.\n3. Turn on Game boost or QoS in the router and give the game console priority.\n4. Pick a game server close to you.\n\nIf latency rises sharply every evening, book a check and we test the line quality.',
    ],
  ),
  t(
    'tech',
    'account',
    'public',
    ['换绑', '手机号', 'phone number'],
    [
      '更换绑定手机号',
      '账号绑定的手机号可以在 App 中更换。\n\n1. 打开“我的 - 账号安全 - 更换手机号”。\n2. 先验证原手机号的短信验证码，再验证新手机号。\n3. 更换成功后，新手机号用于登录和接收通知。\n\n原手机号已无法接收短信的，请选择“原号码不可用”，上传身份证照片人工审核，1 个工作日内完成。',
    ],
    [
      'Changing the phone number on your account',
      'The phone number linked to your account can be changed in the app.\n\n1. Open Me, then Account security, then Change phone number.\n2. Enter the code sent to the old number, then the code sent to the new one.\n3. From then on the new number is used to sign in and for notices.\n\nIf the old number cannot receive texts, choose Old number unavailable and upload ID photos for a manual check within 1 working day.',
    ],
  ),
  t(
    'tech',
    'devices',
    'internal',
    ['远程', '诊断', 'remote diagnosis'],
    [
      '远程诊断光猫的步骤',
      '坐席可以在运维系统中远程诊断客户光猫，减少上门。\n\n1. 输入宽带账号，查看光猫在线状态和光功率。\n2. 接收光功率低于 -27 dBm 的，属于线路衰减，需要派单上门。\n3. 光功率正常但频繁掉线的，可以远程重启光猫，并让客户观察 24 小时。\n\n远程操作前必须征得客户同意，并记录在工单中。',
    ],
    [
      'Diagnosing a modem remotely',
      "Agents can diagnose a customer's modem from the operations system and save a visit.\n\n1. Enter the broadband account to see whether the modem is online and its optical power.\n2. Received power below -27 dBm means line loss: send an engineer.\n3. If the power is fine but the line keeps dropping, restart the modem remotely and ask the customer to watch it for 24 hours.\n\nAsk the customer's permission before any remote action and note it on the ticket.",
    ],
  ),
  t(
    'tech',
    'app',
    'public',
    ['通知', '推送', 'notification'],
    [
      '收不到 App 推送通知',
      '收不到 App 通知时，请检查手机和 App 的设置。\n\n1. 在手机“设置 - 通知”中允许本 App 发送通知。\n2. 关闭省电模式，或将 App 加入后台运行白名单。\n3. 在 App“我的 - 设置 - 消息通知”中打开需要的通知类型。\n\n部分安卓手机需要同时允许“自启动”，否则 App 在后台会被关闭。',
    ],
    [
      'Not getting app notifications',
      "If app notifications do not arrive, check the phone and app settings.\n\n1. In the phone's Settings, Notifications, allow this app to notify.\n2. Turn off battery saver, or let the app run in the background.\n3. In the app under Me, Settings, Notifications, turn on the kinds you want.\n\nSome Android phones also need Auto-start allowed, or the system closes the app in the background.",
    ],
  ),
  t(
    'tech',
    'network',
    'public',
    ['DNS', '网页打不开', 'web pages'],
    [
      '能上微信但网页打不开',
      '微信正常但网页打不开，通常是 DNS 问题。\n\n1. 重启路由器，让它重新获取 DNS。\n2. 在电脑或手机的网络设置中，将 DNS 改为自动获取。\n3. 仍不行的，可以手动设置 DNS 为运营商推荐地址。\n4. 清除浏览器缓存后重试。\n\n只有个别网站打不开的，可能是网站本身的问题。',
    ],
    [
      'Chat apps work but web pages will not load',
      "If messaging works but web pages do not load, DNS is the usual cause.\n\n1. Restart the router so it fetches DNS again.\n2. In the computer's or phone's network settings, set DNS to automatic.\n3. If that fails, enter the DNS servers the provider recommends by hand.\n4. Clear the browser cache and try again.\n\nIf only a few sites fail, the sites themselves may be down.",
    ],
  ),
  t(
    'tech',
    'devices',
    'public',
    ['智能音箱', '配网', 'smart speaker'],
    [
      '智能设备连接 Wi-Fi 失败',
      '智能音箱、摄像头等设备连不上 Wi-Fi 时，请检查以下几点。\n\n1. 多数智能设备只支持 2.4G Wi-Fi，请在路由器中打开 2.4G 频段。\n2. Wi-Fi 名称和密码不要使用特殊符号或中文。\n3. 配网时手机与设备保持在 1 米以内。\n4. 长按设备配网键 5 秒，重新进入配网模式。\n\n路由器开启了“双频合一”的，请暂时关闭后再配网。',
    ],
    [
      'Smart devices fail to join Wi-Fi',
      "When a smart speaker or camera will not join Wi-Fi, check these.\n\n1. Most smart devices only support 2.4 GHz; turn that band on in the router.\n2. Avoid special symbols or Chinese characters in the Wi-Fi name and password.\n3. Keep the phone within 1 metre of the device while pairing.\n4. Hold the device's pairing button for 5 seconds to start pairing again.\n\nIf the router merges both bands into one name, turn that off while pairing.",
    ],
  ),
  t(
    'tech',
    'account',
    'internal',
    ['实名', '身份核验', 'identity check'],
    [
      '坐席核验客户身份的规范',
      '涉及账号、密码和个人信息的请求，坐席必须先核验身份。\n\n1. 至少核对两项：身份证后四位、最近一次缴费金额、安装地址。\n2. 核验失败的，不得透露任何账户信息，引导客户到营业厅办理。\n3. 不得通过电话读出完整身份证号或银行卡号。\n\n核验结果记录在工单内部备注中。',
    ],
    [
      "How agents verify a customer's identity",
      'Requests touching the account, passwords or personal data need identity verification first.\n\n1. Check at least two of: last four digits of the ID card, the last payment amount, the installation address.\n2. If verification fails, disclose nothing and direct the customer to a store.\n3. Never read out a full ID or bank card number on a call.\n\nRecord the outcome in an internal note on the ticket.',
    ],
  ),
  t(
    'tech',
    'app',
    'public',
    ['更新', '版本', 'update'],
    [
      '如何更新 App 到最新版本',
      '新版本会修复问题并增加功能，建议保持最新。\n\n1. 苹果手机：打开 App Store，搜索本 App，点击“更新”。\n2. 安卓手机：打开手机自带应用商店，或在 App“我的 - 关于 - 检查更新”中更新。\n3. 更新后重新打开 App，登录状态会保留。\n\n应用商店没有更新提示的，可能新版本还在分批推送中。',
    ],
    [
      'Updating the app to the latest version',
      "New versions fix problems and add features; keep the app up to date.\n\n1. iPhone: open the App Store, search for the app and tap Update.\n2. Android: open the phone's app store, or in the app go to Me, About, Check for updates.\n3. Reopen the app after updating; you stay signed in.\n\nIf the store shows no update, the new version may still be rolling out in batches.",
    ],
  ),
  t(
    'tech',
    'network',
    'public',
    ['搬家', '移机', 'moving house'],
    [
      '搬家后宽带移机',
      '搬家时宽带可以申请移机，账号和套餐保持不变。\n\n1. 在 App“宽带 - 移机”中填写新地址，系统会先查询是否可以安装。\n2. 选择上门时间，工程师会在约定时间拆除旧线路并安装新线路。\n3. 移机费用按当地标准收取，合约期内的客户可以免一次移机费。\n\n新地址不在覆盖范围内的，可以申请提前解约，免收违约金。',
    ],
    [
      'Moving broadband to a new home',
      'When you move, broadband can move with you; the account and plan stay the same.\n\n1. In the app under Broadband, Move, enter the new address; the system checks it can be installed.\n2. Pick a visit time; the engineer removes the old connection and installs the new one.\n3. Moving costs the local fee; customers within a contract move once for free.\n\nIf the new address is not covered, you may end the contract early without a penalty.',
    ],
  ),

  // ---------------------------------------------------------------- billing
  t(
    'billing',
    'invoices',
    'public',
    ['发票', '抬头', 'invoice'],
    [
      '发票抬头修改流程',
      '发票开具后发现抬头有误的，可以申请红冲后重开。\n\n1. 在“账单 - 发票记录”中找到该发票，点击“申请重开”。\n2. 填写正确的抬头和税号，并说明修改原因。\n3. 原发票作废后，新的电子发票在 2 个工作日内发送到邮箱。\n\n跨月的专用发票重开需要先退回原发票，请联系客服办理。',
    ],
    [
      'Correcting an invoice',
      'If an issued invoice has the wrong company name, it can be cancelled and issued again.\n\n1. In Bills, Invoice history, find the invoice and choose Reissue.\n2. Enter the correct name and tax number and say why it changes.\n3. Once the old invoice is cancelled, the new electronic invoice is emailed within 2 working days.\n\nReissuing a VAT special invoice from a previous month needs the original returned first; contact us for that.',
    ],
  ),
  t(
    'billing',
    'charges',
    'public',
    ['重复扣费', '退款', 'duplicate charge', 'refund'],
    [
      '重复扣费退款处理',
      '同一笔账单被扣款两次时，多扣的款项会全额退回。\n\n1. 在“账单 - 缴费记录”中核对两笔扣款的时间和金额。\n2. 点击其中一笔的“申请退款”，选择“重复扣费”。\n3. 核实后多扣款项在 3-5 个工作日内原路退回。\n\n系统每天会自动核对重复扣费，多数情况下会在您申请前自动退回。',
    ],
    [
      'Refunding duplicate charges',
      'If one bill was charged twice, the extra payment is refunded in full.\n\n1. In Bills, Payment history, compare the time and amount of both charges.\n2. Choose Request refund on one of them and pick Duplicate charge.\n3. After checking, the extra amount goes back the way it was paid within 3-5 working days.\n\nThe system checks for duplicate charges daily and often refunds them before you ask.',
    ],
  ),
  t(
    'billing',
    'plans',
    'public',
    ['套餐', '资费', 'plan', 'pricing'],
    [
      '套餐资费说明',
      '每月账单由套餐月费、超出部分费用和增值业务费用组成。\n\n1. 套餐月费按自然月收取，月中办理的按天折算。\n2. 超出套餐的流量按 5 元/GB 收取，通话按 0.15 元/分钟。\n3. 增值业务（如视频会员）单独列出，可随时在 App 中退订。\n\n在 App“套餐 - 使用情况”中可以实时查看剩余流量和通话时长。',
    ],
    [
      'Plan pricing explained',
      'A monthly bill is the plan fee, usage beyond the plan and add-on services.\n\n1. The plan fee is charged per calendar month; plans started mid-month are charged per day.\n2. Data beyond the plan costs 5 yuan per GB, calls 0.15 yuan per minute.\n3. Add-ons (such as video memberships) are listed separately and can be cancelled in the app at any time.\n\nSee remaining data and minutes live in the app under Plan, Usage.',
    ],
  ),
  t(
    'billing',
    'invoices',
    'public',
    ['增值税', '专票', 'VAT invoice'],
    [
      '增值税专用发票申请',
      '企业客户可以申请增值税专用发票。\n\n1. 在“账单 - 发票 - 开票信息”中选择“增值税专用发票”。\n2. 填写公司名称、税号、开户行及账号、注册地址和电话，上传一般纳税人证明。\n3. 审核通过后，每月账单出账后 5 个工作日内开具并邮寄。\n\n开票信息变更后，从下一个账期开始生效。',
    ],
    [
      'Requesting a VAT invoice',
      'Business customers can request VAT special invoices.\n\n1. In Bills, Invoices, Invoice details, choose VAT special invoice.\n2. Enter the company name, tax number, bank and account, registered address and phone, and upload the general taxpayer certificate.\n3. Once approved, invoices are issued and posted within 5 working days of each monthly bill.\n\nChanges to the details apply from the next billing period.',
    ],
  ),
  t(
    'billing',
    'payments',
    'public',
    ['充值', '到账', 'top-up'],
    [
      '充值未到账处理',
      '充值后一般即时到账，高峰期可能延迟几分钟。\n\n1. 在“账单 - 缴费记录”中查看充值状态。\n2. 显示“处理中”的，请等待 30 分钟后再查看余额。\n3. 支付成功但 2 小时后仍未到账的，请提供支付单号，我们会人工补充到账。\n\n充值失败的款项会自动退回支付账户，1-3 个工作日到账。',
    ],
    [
      'Missing top-ups',
      'Top-ups usually arrive at once; at busy times they may take a few minutes.\n\n1. Check the top-up status in Bills, Payment history.\n2. If it says Processing, wait 30 minutes and check the balance again.\n3. If payment succeeded but nothing arrived after 2 hours, send us the payment reference and we credit it by hand.\n\nFailed top-ups are refunded to the payment account automatically within 1-3 working days.',
    ],
  ),
  t(
    'billing',
    'plans',
    'public',
    ['账单', '周期', 'billing cycle'],
    [
      '账单周期说明',
      '账单按自然月出账，每月 1 日生成上月账单。\n\n1. 账单周期为每月 1 日 0 点至月末 24 点。\n2. 每月 1 日至 3 日为出账期，期间余额和使用量可能暂时不更新。\n3. 账单需在每月 20 日前缴清，逾期会产生滞纳金并可能停机。\n\n开通“自动缴费”后，出账后会自动从绑定的账户扣款。',
    ],
    [
      'Understanding the billing cycle',
      "Bills follow the calendar month; each month's bill is produced on the 1st of the next.\n\n1. A billing period runs from 00:00 on the 1st to 24:00 on the last day of the month.\n2. From the 1st to the 3rd bills are being produced, and balance and usage may not update.\n3. Pay by the 20th; late payment adds a fee and may suspend the service.\n\nWith Auto-pay turned on, the bill is charged to the linked account once produced.",
    ],
  ),
  t(
    'billing',
    'charges',
    'public',
    ['扣费', '明细', 'charges', 'itemised'],
    [
      '如何查看扣费明细',
      '对账单金额有疑问时，可以查看每一笔扣费的明细。\n\n1. 打开“账单 - 本月账单”，点击金额进入明细。\n2. 明细按套餐费、流量、通话、短信、增值业务分类列出。\n3. 点击任一项可以看到具体时间和用量。\n\n对某一项有异议的，可以在明细页点击“我有疑问”提交核查。',
    ],
    [
      'Viewing itemised charges',
      "If a bill amount looks wrong, look at each charge in detail.\n\n1. Open Bills, This month's bill, and tap the amount for details.\n2. Charges are grouped into plan fee, data, calls, texts and add-ons.\n3. Tap any line for its time and usage.\n\nTo dispute a line, tap I have a question on the details page.",
    ],
  ),
  t(
    'billing',
    'charges',
    'public',
    ['增值业务', '退订', 'unsubscribe', 'add-on'],
    [
      '退订不需要的增值业务',
      '发现账单中有不需要的增值业务，可以立即退订。\n\n1. 在 App“我的 - 已订业务”中查看所有增值业务。\n2. 点击需要退订的业务，选择“退订”，退订即时生效。\n3. 当月已产生的费用按天折算，次月不再收取。\n\n非本人订购的业务，可以申请退还近 6 个月的费用。',
    ],
    [
      'Cancelling add-on services you do not want',
      "If the bill shows add-ons you do not want, cancel them straight away.\n\n1. In the app go to Me, My services to see every add-on.\n2. Tap the one to cancel and choose Unsubscribe; it ends immediately.\n3. This month's fee is charged per day up to then; nothing more next month.\n\nFor add-ons you never ordered, you can claim back up to 6 months of fees.",
    ],
  ),
  t(
    'billing',
    'payments',
    'public',
    ['自动缴费', '代扣', 'auto-pay'],
    [
      '开通自动缴费',
      '开通自动缴费后，每月账单出账后自动扣款，避免逾期停机。\n\n1. 在“账单 - 自动缴费”中选择绑定微信、支付宝或银行卡。\n2. 设置单次扣款上限，超出上限的账单需要手动缴费。\n3. 扣款成功后会发送短信通知。\n\n扣款失败的（余额不足等），系统会在 3 天后再试一次。',
    ],
    [
      'Setting up auto-pay',
      'With auto-pay, each monthly bill is paid automatically once produced, so the service is never suspended for late payment.\n\n1. In Bills, Auto-pay, link WeChat Pay, Alipay or a bank card.\n2. Set a limit per charge; bills above it must be paid by hand.\n3. You get a text message when the payment succeeds.\n\nIf a payment fails (not enough balance, for example), it is tried again 3 days later.',
    ],
  ),
  t(
    'billing',
    'plans',
    'public',
    ['变更套餐', '升级', 'change plan'],
    [
      '如何变更套餐',
      '套餐可以在 App 中变更，升级立即生效，降级次月生效。\n\n1. 打开“套餐 - 变更套餐”，选择新的套餐。\n2. 升级的，本月按新旧套餐天数折算；降级的，从下个月 1 日起生效。\n3. 合约期内降级可能需要支付违约金，页面会提示金额。\n\n变更后可以在“套餐 - 办理记录”中查看。',
    ],
    [
      'How to change your plan',
      'Plans can be changed in the app: upgrades apply at once, downgrades from next month.\n\n1. Open Plan, Change plan, and choose the new plan.\n2. Upgrades are charged per day for each plan this month; downgrades apply from the 1st of next month.\n3. Downgrading within a contract may cost a penalty; the page shows the amount.\n\nSee the change under Plan, History.',
    ],
  ),
  t(
    'billing',
    'charges',
    'internal',
    ['退费', '审批', 'refund approval'],
    [
      '坐席退费审批权限',
      '坐席处理退费时，按金额分级审批。\n\n1. 100 元以内：坐席可直接在账务系统中发起退费。\n2. 100-1000 元：需要账务组长审批，在工单中选择“退费审批”。\n3. 1000 元以上：需要主管和财务双重审批，处理时间 5 个工作日。\n\n所有退费都要在工单中写明原因和依据（截图、账单明细）。',
    ],
    [
      'Agent refund approval limits',
      'Refunds are approved by amount.\n\n1. Up to 100 yuan: the agent issues the refund in the billing system directly.\n2. 100 to 1,000 yuan: a billing team lead approves; choose Refund approval on the ticket.\n3. Over 1,000 yuan: a supervisor and finance both approve; allow 5 working days.\n\nEvery refund needs the reason and evidence (screenshots, itemised bill) on the ticket.',
    ],
  ),
  t(
    'billing',
    'payments',
    'public',
    ['欠费', '停机', '复机', 'suspended'],
    [
      '欠费停机后如何复机',
      '欠费停机后，缴清欠款即可自动复机。\n\n1. 在 App 或微信公众号中缴清全部欠费。\n2. 缴费成功后一般 30 分钟内自动恢复服务。\n3. 超过 2 小时仍未恢复的，重启手机或光猫再试。\n\n停机超过 90 天的号码可能被回收，请及时缴费。',
    ],
    [
      'Restoring service after suspension for non-payment',
      'After suspension for an unpaid bill, paying it in full restores service automatically.\n\n1. Pay everything owed in the app or the official WeChat account.\n2. Service usually returns within 30 minutes of payment.\n3. If it is not back after 2 hours, restart the phone or modem.\n\nNumbers suspended for more than 90 days may be reclaimed: pay promptly.',
    ],
  ),
  t(
    'billing',
    'invoices',
    'public',
    ['电子发票', '下载', 'download invoice'],
    [
      '下载电子发票',
      '电子发票与纸质发票具有同等法律效力，可以随时下载。\n\n1. 在“账单 - 发票记录”中找到对应月份。\n2. 点击“下载”，保存 PDF 文件，或点击“发送到邮箱”。\n3. 需要合并多个月份的，可以勾选后批量下载。\n\n发票记录保留 3 年，更早的发票请联系客服补发。',
    ],
    [
      'Downloading electronic invoices',
      'Electronic invoices are as valid as paper ones and can be downloaded at any time.\n\n1. In Bills, Invoice history, find the month.\n2. Choose Download to save the PDF, or Send to email.\n3. To get several months at once, tick them and download together.\n\nInvoice history goes back 3 years; for older invoices contact us.',
    ],
  ),
  t(
    'billing',
    'charges',
    'public',
    ['流量', '超出', 'data overage'],
    [
      '流量超出后费用过高怎么办',
      '流量超出套餐后按量计费，可以通过以下方式控制费用。\n\n1. 在“套餐 - 流量提醒”中设置用量达到 80% 和 100% 时短信提醒。\n2. 购买流量加油包，比按量计费便宜。\n3. 开启“封顶保护”，超出费用达到设定金额后暂停流量。\n\n本月已产生的超出费用，首次超出可以申请减免一半。',
    ],
    [
      'When data overage charges are high',
      "Data beyond the plan is charged by use; these keep the cost down.\n\n1. In Plan, Data alerts, get a text at 80% and 100% use.\n2. Buy a data add-on pack; it is cheaper than pay-as-you-go.\n3. Turn on Spending cap; data pauses once overage reaches the amount you set.\n\nFor a first overage, you can ask for half of this month's charge to be waived.",
    ],
  ),
  t(
    'billing',
    'payments',
    'public',
    ['余额', '退还', 'balance refund'],
    [
      '销户后余额退还',
      '办理销户后，账户剩余余额可以申请退还。\n\n1. 销户时确认所有账单已结清。\n2. 在销户申请中填写退款银行账户，需为机主本人账户。\n3. 余额在销户完成后 15 个工作日内退回。\n\n赠送余额和活动返还的金额不予退还。',
    ],
    [
      'Refunding the balance after closing an account',
      "After closing an account, any remaining balance can be refunded.\n\n1. Make sure every bill is paid when closing.\n2. Give a bank account in the account holder's own name on the closure request.\n3. The balance is refunded within 15 working days of the closure.\n\nBonus credit and promotional cash-back are not refunded.",
    ],
  ),
  t(
    'billing',
    'invoices',
    'internal',
    ['发票', '红冲', 'credit note'],
    [
      '发票红冲操作说明',
      '坐席需要为客户红冲发票时，在账务系统中按以下步骤操作。\n\n1. 查询发票号，确认发票状态为“已开具”且未认证抵扣。\n2. 已认证抵扣的专票，需要客户提供红字信息表，不能直接红冲。\n3. 红冲后在工单中记录红字发票号，再为客户重新开具。\n\n同一张发票只能红冲一次。',
    ],
    [
      'Issuing a credit note for an invoice',
      "To cancel a customer's invoice with a credit note, agents do this in the billing system.\n\n1. Look up the invoice number; it must be Issued and not yet claimed for tax deduction.\n2. VAT special invoices already claimed need the customer's red-letter information form; they cannot be reversed directly.\n3. After the credit note, record its number on the ticket, then issue the new invoice.\n\nAn invoice can be credited only once.",
    ],
  ),
  t(
    'billing',
    'plans',
    'public',
    ['合约', '解约', 'contract'],
    [
      '合约期内提前解约',
      '合约期内提前解约需要支付违约金，金额按剩余月数计算。\n\n1. 在 App“套餐 - 我的合约”中查看合约到期日和违约金。\n2. 违约金 = 剩余月数 × 每月优惠金额，最高不超过 300 元。\n3. 确认后提交解约申请，次月 1 日生效。\n\n因搬迁到无覆盖区域而解约的，可以免收违约金。',
    ],
    [
      'Ending a contract early',
      'Ending a contract early costs a penalty based on the months left.\n\n1. In the app under Plan, My contract, see the end date and the penalty.\n2. Penalty = months left x monthly discount, at most 300 yuan.\n3. Confirm and submit; the contract ends on the 1st of next month.\n\nIf you move to an area we do not cover, the penalty is waived.',
    ],
  ),
  t(
    'billing',
    'payments',
    'public',
    ['缴费', '方式', 'payment methods'],
    [
      '支持哪些缴费方式',
      '您可以通过以下方式缴纳话费和宽带费。\n\n1. App 或微信公众号：支持微信支付、支付宝、银行卡，即时到账。\n2. 营业厅：现金和刷卡。\n3. 银行代扣：在“自动缴费”中绑定银行卡。\n\n通过第三方平台缴费的，到账时间以平台为准，一般不超过 2 小时。',
    ],
    [
      'Which payment methods we accept',
      'You can pay phone and broadband bills these ways.\n\n1. The app or official WeChat account: WeChat Pay, Alipay or bank card, credited at once.\n2. In a store: cash or card.\n3. Bank direct debit: link a bank card under Auto-pay.\n\nThrough third-party platforms, crediting follows the platform, usually within 2 hours.',
    ],
  ),
  t(
    'billing',
    'charges',
    'public',
    ['国际漫游', 'roaming'],
    [
      '国际漫游费用说明',
      '出境前请开通国际漫游，并了解当地资费，避免产生高额费用。\n\n1. 在 App“套餐 - 国际漫游”中开通漫游功能。\n2. 推荐购买目的地的漫游流量包，按天计费更划算。\n3. 未购买流量包的，按每 MB 计费，费用较高。\n\n回国后漫游功能不会自动关闭，不需要时可以手动关闭。',
    ],
    [
      'International roaming charges',
      'Before travelling abroad, turn on roaming and check the local rates to avoid a large bill.\n\n1. In the app under Plan, International roaming, turn roaming on.\n2. Buy a roaming data pack for your destination; daily packs cost less.\n3. Without a pack, data is charged per MB at a high rate.\n\nRoaming stays on after you return; turn it off by hand if you do not need it.',
    ],
  ),
  t(
    'billing',
    'invoices',
    'public',
    ['发票', '邮箱', 'invoice email'],
    [
      '修改接收发票的邮箱',
      '电子发票发送到预留的邮箱，可以随时修改。\n\n1. 在“账单 - 发票 - 开票信息”中点击“接收邮箱”。\n2. 输入新的邮箱地址，验证邮件中的链接后生效。\n3. 已发送的发票可以在发票记录中重新发送到新邮箱。\n\n收不到发票邮件的，请检查垃圾邮件文件夹。',
    ],
    [
      'Changing the email address for invoices',
      'Electronic invoices go to the email address on file, which you can change at any time.\n\n1. In Bills, Invoices, Invoice details, choose Receiving email.\n2. Enter the new address and click the link in the verification email.\n3. Invoices already sent can be sent again to the new address from the invoice history.\n\nIf invoice emails do not arrive, look in the spam folder.',
    ],
  ),
];

/** Demo departments' articles per language: KB_TOPICS holds each in both, so the counts are equal. */
export function kbTopicCount(code: DepartmentCode): number {
  return KB_TOPICS.filter((x) => x.code === code).length;
}
