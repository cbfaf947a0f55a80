import type { Config } from '../config';
import type { Directory } from '../app/ports';

/** What the bot uses Graph for; each needs its application permissions. */
export type GraphFeature =
  'audiences' | 'devices' | 'group-search' | 'intune-assignment' | 'proactive-install';

/** The least application permissions of each feature. */
export const FEATURE_PERMISSIONS: Readonly<Record<GraphFeature, readonly string[]>> = {
  audiences: ['User.Read.All', 'GroupMember.Read.All'],
  devices: ['DeviceManagementManagedDevices.Read.All'],
  'group-search': ['Group.Read.All'],
  'intune-assignment': ['DeviceManagementApps.ReadWrite.All'],
  // Finding the app in the org catalog, then installing it for one person (PROACTIVE_INSTALL).
  'proactive-install': ['AppCatalog.Read.All', 'TeamsAppInstallation.ReadWriteSelfForUser.All'],
};

const FEATURE_NAMES: Readonly<Record<GraphFeature, string>> = {
  audiences: 'audiences and roles from groups',
  devices: 'platform filters (managed devices)',
  'group-search': 'group search',
  'intune-assignment': 'Intune assignment',
  'proactive-install': 'announcements to people who never opened the bot (PROACTIVE_INSTALL)',
};

/**
 * Permissions Microsoft documents as granting what another does (a higher one satisfies a lower):
 * the Directory.* permissions cover users and groups, Group.* covers GroupMember.*, ReadWrite
 * covers Read.
 */
const COVERED_BY: Readonly<Record<string, readonly string[]>> = {
  'User.Read.All': ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'GroupMember.Read.All': [
    'GroupMember.ReadWrite.All',
    'Group.Read.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  'Group.Read.All': ['Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'DeviceManagementManagedDevices.Read.All': ['DeviceManagementManagedDevices.ReadWrite.All'],
  'DeviceManagementApps.Read.All': ['DeviceManagementApps.ReadWrite.All'],
  'AppCatalog.Read.All': ['AppCatalog.ReadWrite.All'],
  'TeamsAppInstallation.ReadWriteSelfForUser.All': ['TeamsAppInstallation.ReadWriteForUser.All'],
};

/**
 * The features the configuration turns on (all but Intune assignment and proactive install
 * whenever Graph is on; those two when their settings are).
 */
export const graphFeatures = (
  config: Pick<Config, 'GRAPH_AUTH' | 'INTUNE_ASSIGN'> & Partial<Pick<Config, 'PROACTIVE_INSTALL'>>,
): GraphFeature[] =>
  config.GRAPH_AUTH === 'none'
    ? []
    : [
        'audiences',
        'devices',
        'group-search',
        ...(config.INTUNE_ASSIGN ? (['intune-assignment'] as const) : []),
        ...(config.PROACTIVE_INSTALL ? (['proactive-install'] as const) : []),
      ];

export interface PermissionCheck {
  /** Permissions a feature needs that nothing granted covers, each once. */
  missing: string[];
  /** A sentence for the log (and an admin): what is missing and for what; null when nothing is. */
  message: string | null;
}

const satisfied = (permission: string, granted: ReadonlySet<string>): boolean =>
  granted.has(permission.toLowerCase()) ||
  (COVERED_BY[permission] ?? []).some((higher) => granted.has(higher.toLowerCase()));

/** Compares what `features` need with the `granted` roles; never refuses anything itself. */
export const missingPermissions = (
  features: readonly GraphFeature[],
  granted: readonly string[],
): PermissionCheck => {
  const have = new Set(granted.map((g) => g.toLowerCase()));
  const missing: string[] = [];
  const uses: string[] = [];
  for (const feature of features) {
    const lacking = FEATURE_PERMISSIONS[feature].filter((p) => !satisfied(p, have));
    if (lacking.length === 0) continue;
    uses.push(`${FEATURE_NAMES[feature]} (${lacking.join(', ')})`);
    for (const p of lacking) if (!missing.includes(p)) missing.push(p);
  }
  const message =
    missing.length === 0
      ? null
      : `The bot's app registration lacks the Microsoft Graph application permission${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, needed for ${uses.join('; ')}: grant ${missing.length > 1 ? 'them' : 'it'} with admin consent in Entra ID (these features fail until then).`;
  return { missing, message };
};

/** Reads the tenant's granted permissions (the token's roles) and names what `features` lack. */
export const checkGraphPermissions = async (
  directory: Pick<Directory, 'grantedPermissions'>,
  tenantId: string,
  features: readonly GraphFeature[],
): Promise<PermissionCheck> => missingPermissions(features, await directory.grantedPermissions(tenantId));
