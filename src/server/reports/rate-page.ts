/**
 * The page a call's customer rates the call on (GET /rate/<token>): plain HTML, no script, in Chinese and
 * English together (the link goes to a customer whose language the mail may not say), one button per score.
 */
const shell = (body: string) => `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>评价本次服务 · Rate our service</title>
<style>
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;color:#1b1b1f}
h1{font-size:1.25rem}p{color:#444}.scores{display:flex;gap:.5rem;margin:1.5rem 0}
button{font-size:1.25rem;min-width:3rem;min-height:3rem;border-radius:.5rem;border:1px solid #888;background:#fff;cursor:pointer}
button:hover,button:focus-visible{background:#1565c0;color:#fff;outline:2px solid #1565c0}
.hint{font-size:.9rem;color:#555}.error{color:#b00020}
</style></head><body>${body}</body></html>`;

export function ratePage(action: string, invalid = false): string {
  const buttons = [1, 2, 3, 4, 5]
    .map((n) => `<button type="submit" name="score" value="${n}" aria-label="${n} / 5">${n}</button>`)
    .join('');
  return shell(`<h1>您对本次通话满意吗？<br>How satisfied were you with your call?</h1>
<p class="hint">1 = 非常不满意 / very dissatisfied · 5 = 非常满意 / very satisfied</p>
${invalid ? '<p class="error">请选择 1 到 5 之间的分数。Please choose a score from 1 to 5.</p>' : ''}
<form method="post" action="${action}"><div class="scores">${buttons}</div></form>`);
}

export function rateThanks(state: 'thanks' | 'used' | 'expired' | 'unknown'): string {
  const text = {
    thanks: ['感谢您的评价！', 'Thank you for your rating!'],
    used: ['此链接已使用过。', 'This link has been used already.'],
    expired: ['此链接已过期。', 'This link has expired.'],
    unknown: ['找不到此评价链接。', 'This rating link is not known.'],
  }[state];
  return shell(`<h1>${text[0]}<br>${text[1]}</h1>`);
}
