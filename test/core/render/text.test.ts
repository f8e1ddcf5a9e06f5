import { describe, expect, it } from 'vitest';
import { escapeMrkdwn, singleLine, truncate, truncateMrkdwn } from '../../../functions/core/render/text';

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('cuts to the limit including the ellipsis', () => {
    // Act
    const cut = truncate('abcdefghij', 5);

    // Assess
    expect(cut).toBe('abcd…');
    expect(cut.length).toBe(5);
  });

  it('never splits a surrogate pair', () => {
    // Prepare: each emoji is two UTF-16 units
    const text = '🔥🔥🔥🔥';

    // Act
    const cut = truncate(text, 4);

    // Assess
    expect(cut).toBe('🔥…');
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('returns nothing when there is no room', () => {
    expect(truncate('abc', 0)).toBe('');
  });
});

describe('escapeMrkdwn and truncateMrkdwn', () => {
  it('escapes exactly the three characters Slack reserves', () => {
    expect(escapeMrkdwn('a & b < c > d *e*')).toBe('a &amp; b &lt; c &gt; d *e*');
  });

  it('drops a half-cut entity or link token instead of emitting it', () => {
    expect(truncateMrkdwn('abc &amp; def', 8)).toBe('abc …');
    expect(truncateMrkdwn('at <!date^1^{time}|x> later', 10)).toBe('at …');
  });
});

describe('singleLine', () => {
  it('turns newlines and control characters into single spaces', () => {
    expect(singleLine(' a\nb\r\n\tc\u0007d ')).toBe('a b c d');
  });
});
