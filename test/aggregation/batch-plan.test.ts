import { describe, expect, it } from 'vitest';
import { planBatch } from '../../lambdas/aggregation/batch-plan';
import { identify, opaqueId, pageView } from '../../harness/queue-messages';

describe('planBatch', () => {
  it('groups views by device and session, in view order, keeping every record id', () => {
    const deviceId = opaqueId();
    const [s1, s2] = [opaqueId(), opaqueId()];
    const late = pageView({ deviceId, sessionId: s1, ts: 2_000, path: '/b' });
    const early = pageView({ deviceId, sessionId: s1, ts: 1_000, path: '/a', sessionStarted: true });
    const other = pageView({ deviceId, sessionId: s2, ts: 5_000 });
    const otherDevice = pageView({ ts: 3_000 });
    const plan = planBatch([
      { recordId: 'r1', message: late },
      { recordId: 'r2', message: other },
      { recordId: 'r3', message: early },
      { recordId: 'r4', message: otherDevice },
    ]);
    expect(plan.devices).toHaveLength(2);
    const device = plan.devices.find((group) => group.deviceId === deviceId);
    expect(device?.sessions.map((session) => session.sessionId)).toEqual([s1, s2]);
    expect(device?.sessions[0]?.views.map((view) => view.path)).toEqual(['/a', '/b']);
    expect(device?.sessions[0]?.recordIds).toEqual(['r1', 'r3']);
    expect(plan.duplicatesInBatch).toBe(0);
  });

  it('folds a message delivered twice in one batch into one view but keeps both record ids', () => {
    const view = pageView();
    const plan = planBatch([
      { recordId: 'a', message: view },
      { recordId: 'b', message: { ...view } },
    ]);
    expect(plan.duplicatesInBatch).toBe(1);
    expect(plan.devices[0]?.sessions[0]?.views).toHaveLength(1);
    expect(plan.devices[0]?.sessions[0]?.recordIds).toEqual(['a', 'b']);
  });

  it('keeps the latest identify per device, whatever the arrival order', () => {
    const deviceId = opaqueId();
    const older = identify({ deviceId, userId: 'old', ts: 1 });
    const newer = identify({ deviceId, userId: 'new', ts: 2 });
    for (const order of [
      [older, newer],
      [newer, older],
    ]) {
      const plan = planBatch(order.map((message, index) => ({ recordId: `r${index}`, message })));
      expect(plan.devices[0]?.identify?.userId).toBe('new');
      expect(plan.devices[0]?.identifyRecordIds).toEqual(['r0', 'r1']);
    }
  });
});
