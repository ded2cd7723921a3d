import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK_PROXY_MAX_PUMPS, linkProxyBudget, openFileLimit } from '../../../src/harness/mqttlink/fdBudget.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
`;

describe("the link proxy's descriptor budget", () => {
  it('reads the soft open-file limit from /proc/self/limits text', () => {
    expect(openFileLimit(LIMITS)).toBe(20000);
    expect(openFileLimit(LIMITS.replace('20000                20000', 'unlimited            unlimited'))).toBe(Number.POSITIVE_INFINITY);
    expect(openFileLimit('nothing here')).toBeUndefined();
  });

  it('lets every pump through while descriptors allow, fewer as the fleet grows, none when they run out', () => {
    // Broker in the run's process (up to 4,000 pumps): 2 per pump + 2 per proxied pump, under 80 % of 20,000.
    expect(linkProxyBudget(200, true, 20000)).toBe(200);
    expect(linkProxyBudget(4000, true, 20000)).toBe(4000);
    // Broker in a child process: 1 per pump + 2 per proxied pump.
    expect(linkProxyBudget(10000, false, 20000)).toBe(3000);
    expect(linkProxyBudget(16000, false, 20000)).toBe(0);
    expect(linkProxyBudget(1000, true, 1024)).toBe(0);
    expect(linkProxyBudget(10000, false, Number.POSITIVE_INFINITY)).toBe(10000);
    expect(linkProxyBudget(10000, false, undefined)).toBe(DEFAULT_LINK_PROXY_MAX_PUMPS);
  });
});
