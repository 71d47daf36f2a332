import { describe, expect, it } from 'vitest';
import { cannedQuery, departmentName, fillCanned, filterCanned } from '../../../src/renderer/chat/canned';
import type { CannedResponse } from '../../../src/shared/chat/agent-protocol';

// The composer's canned responses (src/renderer/chat/canned.ts): what the agent gets when picking one.

const c = (shortcut: string, title: string, text = 'x'): CannedResponse => ({
  id: '0190c100-0000-7000-8000-000000000001',
  departmentId: null,
  language: 'zh-CN',
  shortcut,
  title,
  text,
  updatedAt: new Date().toISOString(),
});

describe('canned responses', () => {
  it('fills the variables the desktop knows and leaves the rest visible for the agent', () => {
    const text =
      '您好 {{customer.name}}，我是{{ agent.name }}。工单 {{ticket.number}}，{{department.name}} {{order.id}}';
    expect(
      fillCanned(text, { 'customer.name': '王芳', 'agent.name': '李娜', 'department.name': '售后服务' }),
    ).toBe('您好 王芳，我是李娜。工单 {{ticket.number}}，售后服务 {{order.id}}');
    // A value that looks like a variable is inserted as it is, not expanded again.
    expect(fillCanned('{{customer.name}}', { 'customer.name': '{{agent.name}}', 'agent.name': 'x' })).toBe(
      '{{agent.name}}',
    );
  });

  it('opens on "/" at the start or after a space, not inside a word or a link', () => {
    expect(cannedQuery('/gr', 3)).toEqual({ start: 0, query: 'gr' });
    expect(cannedQuery('ok /', 4)).toEqual({ start: 3, query: '' });
    expect(cannedQuery('see https://a.example/gr', 24)).toBeNull();
    expect(cannedQuery('and/or', 6)).toBeNull();
    // The caret decides: text after it does not matter.
    expect(cannedQuery('/greet more', 6)).toEqual({ start: 0, query: 'greet' });
  });

  it('lists shortcuts that start with the query first, then other matches, at most 8', () => {
    const list = [c('thanks', 'Greeting at the end'), c('greet', 'Hello'), c('greet-en', 'Hello (en)')];
    expect(filterCanned(list, 'gre').map((x) => x.shortcut)).toEqual(['greet', 'greet-en', 'thanks']);
    const many = Array.from({ length: 12 }, (_, i) => c(`a${i}`, 't'));
    expect(filterCanned(many, 'a')).toHaveLength(8);
  });
});

describe('canned responses in the chat’s language', () => {
  const greetEn = { ...c('greet', 'Greeting'), language: 'en' as const };
  const greetZh = { ...c('greet', '问候'), language: 'zh-CN' as const };
  it('offers the one in the customer’s language first, whichever was made first', () => {
    expect(filterCanned([greetEn, greetZh], 'gr', 'zh-CN').map((x) => x.title)).toEqual(['问候', 'Greeting']);
    expect(filterCanned([greetZh, greetEn], 'gr', 'en').map((x) => x.title)).toEqual(['Greeting', '问候']);
    // Unknown language: as stored.
    expect(filterCanned([greetEn, greetZh], 'gr').map((x) => x.title)).toEqual(['Greeting', '问候']);
  });

  it('names the department in the customer’s language, else the agent’s', () => {
    const d = { nameZh: '售后服务', nameEn: 'After-sales' };
    expect(departmentName(d, 'zh-CN', 'en')).toBe('售后服务');
    expect(departmentName(d, 'en', 'zh-CN')).toBe('After-sales');
    expect(departmentName(d, null, 'en')).toBe('After-sales');
    expect(departmentName(null, 'en')).toBe('');
  });
});
