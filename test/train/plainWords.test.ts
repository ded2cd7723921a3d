/** Issue 15, item 6: training screens and the debrief in plain words, no protocol (docs/training.md). */
import { describe, expect, it } from 'vitest';
import { lineInWords, logTextInWords, reasonInWords, replyInWords } from '../../src/harness/train/plainWords.js';

describe('plain words', () => {
  it('says what a front-panel key did', () => {
    expect(lineInWords('INJECT occlusion=clear')).toBe('cleared the line at the bedside');
    expect(lineInWords('SILENCE')).toBe('paused the alarm audio');
    expect(lineInWords('PROGRAM drug=heparin dose=30 weight=80 vtbi=250 override=1')).toBe('programmed heparin at 30, 250 mL to infuse, soft limit override confirmed');
    expect(lineInWords('TITRATE rate=4.17')).toBe('changed the rate to 4.17 mL/h');
    expect(lineInWords('INJECT occlusion=down')).toBeUndefined();
  });

  it('turns the log lines of the debrief into words, refusals with their reason', () => {
    expect(logTextInWords('INJECT occlusion=clear -> OK')).toBe('cleared the line at the bedside');
    expect(logTextInWords('PROGRAM drug=heparin dose=45 weight=80 vtbi=250 -> ERR HARD_LIMIT dose 45 units/kg/h is above the hard limit 40')).toBe(
      'tried: programmed heparin at 45, 250 mL to infuse; refused (hard limit): dose 45 units/kg/h is above the hard limit 40',
    );
    expect(logTextInWords('fault occlusion on icu-3 (side=down)')).toBe('fault occlusion on icu-3 (side=down)');
  });

  it('drops protocol advice from a refusal and adds words to a reply', () => {
    expect(reasonInWords('dose 30 units/kg/h is above the soft limit 25; resend with override=1 to confirm')).toBe('dose 30 units/kg/h is above the soft limit 25');
    expect(replyInWords({ type: 'reply', ok: true, message: 'SILENCE OK', line: 'SILENCE', fields: { until: 349455 } })).toEqual({
      type: 'reply', ok: true, message: 'SILENCE OK', line: 'SILENCE', fields: { until: 349455 }, words: 'paused the alarm audio',
    });
    expect(replyInWords({ type: 'welcome', role: 'station' })).toEqual({ type: 'welcome', role: 'station' });
  });
});
