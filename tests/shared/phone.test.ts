import { describe, expect, it } from 'vitest';
import { formatPhone, languageForPhone, normalisePhone } from '../../src/shared/phone';

describe('phone numbers', () => {
  it('finds one E.164 number however a Chinese mobile number is written', () => {
    for (const raw of ['13800138000', '138 0013 8000', '+86 138-0013-8000', '008613800138000']) {
      expect(normalisePhone(raw)).toBe('+8613800138000');
    }
  });

  it('reads national numbers in the region it is told and refuses what is not a phone number', () => {
    expect(normalisePhone('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(normalisePhone('1001')).toBeNull();
    expect(normalisePhone('agent01')).toBeNull();
  });

  it('shows numbers the way people read them out', () => {
    expect(formatPhone('+8613800138000')).toBe('+86 138 0013 8000');
    expect(formatPhone('+442079460000')).toBe('+44 20 7946 0000');
    expect(formatPhone('not-a-number')).toBe('not-a-number');
  });

  it('suggests a new customer’s language from where their number is', () => {
    expect(languageForPhone('138 0013 8000')).toBe('zh-CN');
    expect(languageForPhone('+852 5123 4567')).toBe('zh-CN');
    expect(languageForPhone('+44 20 7946 0000')).toBe('en');
    expect(languageForPhone('(415) 555-2671', 'US')).toBe('en');
    expect(languageForPhone('')).toBeNull();
    expect(languageForPhone('1001')).toBeNull();
  });
});
