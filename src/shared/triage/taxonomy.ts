import { z } from 'zod';

/**
 * The triage taxonomy (issue 15): three departments and the categories each owns. A category belongs to exactly
 * one department, so a predicted or corrected category also names its department. The labels are the
 * taxonomy's own, not a deployment's department codes: a department of the service is tied to a taxonomy
 * department by its triage label (the demo's aftersales, tech and billing carry these three).
 */
export const TRIAGE_DEPARTMENTS = ['after_sales', 'tech_support', 'billing'] as const;
export const TriageDepartment = z.enum(TRIAGE_DEPARTMENTS);
export type TriageDepartment = z.infer<typeof TriageDepartment>;

export const CATEGORIES_BY_DEPARTMENT = {
  after_sales: ['return_exchange', 'repair_warranty', 'delivery_logistics', 'installation'],
  tech_support: ['network_outage', 'device_fault', 'app_account_login', 'setup_howto'],
  billing: ['wrong_charge', 'refund_status', 'invoice_request', 'plan_change'],
} as const satisfies Record<TriageDepartment, readonly string[]>;

export const TRIAGE_CATEGORIES = [
  ...CATEGORIES_BY_DEPARTMENT.after_sales,
  ...CATEGORIES_BY_DEPARTMENT.tech_support,
  ...CATEGORIES_BY_DEPARTMENT.billing,
] as const;
export const TicketCategory = z.enum(TRIAGE_CATEGORIES);
export type TicketCategory = z.infer<typeof TicketCategory>;

/** The department a category belongs to. */
export function departmentOfCategory(category: TicketCategory): TriageDepartment {
  for (const d of TRIAGE_DEPARTMENTS) {
    if ((CATEGORIES_BY_DEPARTMENT[d] as readonly string[]).includes(category)) return d;
  }
  throw new Error(`Unknown category ${category}`);
}

/** Names in both languages, for every screen and export that shows a taxonomy value. */
export const TAXONOMY_NAMES: Record<TriageDepartment | TicketCategory, { zh: string; en: string }> = {
  after_sales: { zh: '售后服务', en: 'After-sales' },
  tech_support: { zh: '技术支持', en: 'Technical support' },
  billing: { zh: '账务', en: 'Billing' },
  return_exchange: { zh: '退换货', en: 'Return or exchange' },
  repair_warranty: { zh: '维修保修', en: 'Repair and warranty' },
  delivery_logistics: { zh: '配送物流', en: 'Delivery and logistics' },
  installation: { zh: '安装', en: 'Installation' },
  network_outage: { zh: '网络故障', en: 'Network outage' },
  device_fault: { zh: '设备故障', en: 'Device fault' },
  app_account_login: { zh: 'App 与账号登录', en: 'App and account sign-in' },
  setup_howto: { zh: '设置与使用', en: 'Setup and how-to' },
  wrong_charge: { zh: '错误扣费', en: 'Wrong charge' },
  refund_status: { zh: '退款进度', en: 'Refund status' },
  invoice_request: { zh: '开具发票', en: 'Invoice request' },
  plan_change: { zh: '套餐变更', en: 'Plan change' },
};
