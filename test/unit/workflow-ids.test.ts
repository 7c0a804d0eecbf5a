import { incomingKey, mediaItemWorkflowId, legacyIncomingKey } from '../../lib/workflow-ids.js';

describe('media item workflow IDs', () => {
  test('a file reusing a freed inode under the same name gets a new ID: the birth time differs', () => {
    const first = { dev: 2049, ino: 12, bornNs: '1795951350855609089' };
    const later = { dev: 2049, ino: 12, bornNs: '1795951353171609016' };
    expect(mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', later))).not.toBe(
      mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', first)),
    );
  });

  test('the same arrival seen twice gets the same ID', () => {
    const arrival = { dev: 2049, ino: 12, bornNs: 'c1795951350855609089' };
    expect(mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', { ...arrival }))).toBe(
      mediaItemWorkflowId(incomingKey('Incoming/Heat.1995.mkv', arrival)),
    );
  });

  test('IDs of earlier versions (path, device and inode) stay computable', () => {
    expect(legacyIncomingKey('Incoming/Heat.1995.mkv', { dev: 2049, ino: 12 })).toBe(
      'Incoming/Heat.1995.mkv#2049:12',
    );
  });
});
