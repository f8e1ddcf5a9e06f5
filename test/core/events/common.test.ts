import { describe, expect, it } from 'vitest';
import { parseArn, toIsoTime } from '../../../functions/core/events/common';

describe('toIsoTime', () => {
  it.each([
    ['2019-10-02T17:04:40.985+0000', '2019-10-02T17:04:40.985Z'],
    ['2026-11-27T14:20:15.123456789Z', '2026-11-27T14:20:15.123Z'],
    ['2018-08-03T09:52:26.739266876+02:00', '2018-08-03T07:52:26.739Z'],
    ['2026-11-27T14:36:52Z', '2026-11-27T14:36:52.000Z'],
    ['Fri, 27 Jan 2023 06:02:51 GMT', '2023-01-27T06:02:51.000Z'],
  ])('reads %s as %s', (input, expected) => {
    // Act
    const iso = toIsoTime(input);

    // Assess
    expect(iso).toBe(expected);
  });

  it.each(['0001-01-01T00:00:00Z', 'Nov 29, 2016 7:43:25 PM', 'yesterday', '', '2026-13-45T99:00:00Z'])(
    'refuses %j',
    (input) => {
      // Act
      const iso = toIsoTime(input);

      // Assess
      expect(iso).toBeUndefined();
    },
  );
});

describe('parseArn', () => {
  it('keeps the colons of the resource part', () => {
    // Act
    const arn = parseArn('arn:aws:lambda:us-east-1:123456789012:function:chat-api:$LATEST');

    // Assess
    expect(arn).toEqual({
      partition: 'aws',
      service: 'lambda',
      region: 'us-east-1',
      account: '123456789012',
      resource: 'function:chat-api:$LATEST',
    });
  });

  it('returns undefined for something that is not an ARN', () => {
    // Act
    const arn = parseArn('chat-api');

    // Assess
    expect(arn).toBeUndefined();
  });
});
