/**
 * Words customers use for what the articles call otherwise (log in / sign in, 登陆 / 登录, wifi / Wi-Fi, double
 * charged / duplicate charge): the article's word is added to the query when the customer's appears, so both
 * rankings see it. A general service vocabulary, not the evaluation's questions; the articles are unchanged.
 */
const SYNONYMS: readonly [RegExp, string][] = [
  [/\blog\s?-?in(?:to)?\b|\blogin\b|\bsign\s?in\b|\blog\s?on\b/i, 'sign in'],
  [/登陆|登不上|登录不了/u, '登录'],
  [/\bwi-?fi\b|无线网/iu, 'Wi-Fi'],
  [/\b(?:disconn?ect\w*|drops?|dropping|keeps? cutting)\b/i, 'disconnect'],
  [/掉线|断网|老断|断开/u, '断线'],
  [/\b(?:double|twice)\b.*\bcharg\w*|\bcharg\w*\b.*\b(?:twice|double)\b/i, 'duplicate charge'],
  [/扣了两[遍次]|扣了二次|多扣|重复扣/u, '重复扣费'],
  [/\b(?:replace|replacement|swap)\b/i, 'exchange'],
  [/换一个|换个|调换/u, '换货'],
  [/\b(?:crash\w*|closes? (?:by )?itself)\b/i, 'app closes'],
  [/闪退|自己退出|自动退出/u, '闪退'],
  [/\b(?:smashed|crushed|broken|cracked)\b/i, 'damaged'],
  [/压扁|碎了|摔坏|破了/u, '破损'],
  [/\bdon'?t like\b|\bchanged? my mind\b|\bno reason\b/i, 'no-reason return'],
  [/不想要了|不喜欢/u, '无理由退货'],
  [/\bpass?word\b|\bpasword\b/i, 'password'],
];

export function expandQuery(q: string): string {
  const extra = SYNONYMS.filter(([re]) => re.test(q)).map(([, add]) => add);
  return extra.length ? `${q} ${extra.join(' ')}` : q;
}
