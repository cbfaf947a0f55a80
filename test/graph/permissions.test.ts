import { graphFeatures, missingPermissions } from '../../src/graph';

describe('missingPermissions', () => {
  const all = graphFeatures({ GRAPH_AUTH: 'secret', INTUNE_ASSIGN: true });

  test('the features of the configuration: Intune assignment only with INTUNE_ASSIGN; none without Graph', () => {
    expect(all).toEqual(['audiences', 'devices', 'group-search', 'intune-assignment']);
    expect(graphFeatures({ GRAPH_AUTH: 'managed-identity', INTUNE_ASSIGN: false })).not.toContain(
      'intune-assignment',
    );
    expect(graphFeatures({ GRAPH_AUTH: 'none', INTUNE_ASSIGN: true })).toEqual([]);
  });

  test('names each missing permission once, and what it is for', () => {
    const check = missingPermissions(all, ['User.Read.All']);
    expect(check.missing).toEqual([
      'GroupMember.Read.All',
      'DeviceManagementManagedDevices.Read.All',
      'Group.Read.All',
      'DeviceManagementApps.ReadWrite.All',
    ]);
    expect(check.message).toMatch(/GroupMember\.Read\.All.*audiences/);
    expect(check.message).toMatch(/Intune assignment \(DeviceManagementApps\.ReadWrite\.All\)/);
  });

  test('nothing missing: no message', () => {
    const granted = [
      'User.Read.All',
      'GroupMember.Read.All',
      'DeviceManagementManagedDevices.Read.All',
      'Group.Read.All',
      'DeviceManagementApps.ReadWrite.All',
    ];
    expect(missingPermissions(all, granted)).toEqual({ missing: [], message: null });
  });

  test('higher permissions satisfy lower ones', () => {
    expect(
      missingPermissions(['audiences', 'group-search'], ['Group.Read.All', 'User.ReadWrite.All']).missing,
    ).toEqual([]);
    expect(missingPermissions(['audiences', 'group-search'], ['Directory.Read.All']).missing).toEqual([]);
    expect(missingPermissions(['devices'], ['DeviceManagementManagedDevices.ReadWrite.All']).missing).toEqual(
      [],
    );
    // GroupMember.Read.All does not cover Group.Read.All (search), nor Read the ReadWrite of Intune.
    expect(missingPermissions(['group-search'], ['GroupMember.Read.All']).missing).toEqual([
      'Group.Read.All',
    ]);
    expect(missingPermissions(['intune-assignment'], ['DeviceManagementApps.Read.All']).missing).toEqual([
      'DeviceManagementApps.ReadWrite.All',
    ]);
  });
});
