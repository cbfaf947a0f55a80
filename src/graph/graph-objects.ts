/**
 * Graph's JSON for users, devices and app assignments, the fields read, and their mapping to the
 * ports' types.
 */
import type { AppAssignment, DirectoryDevice, DirectoryUser } from '../app/ports';

export const USER_FIELDS = 'id,displayName,department,usageLocation,officeLocation,userType,accountEnabled';
export const DEVICE_FIELDS = 'userId,operatingSystem';
export const GROUP_FIELDS = 'id,displayName';
export const USER_TYPE = '#microsoft.graph.user';

export interface GraphUser {
  '@odata.type'?: string;
  id: string;
  displayName?: string | null;
  department?: string | null;
  usageLocation?: string | null;
  officeLocation?: string | null;
  userType?: string | null;
  accountEnabled?: boolean | null;
}

export interface GraphAssignment {
  id: string;
  intent: string;
  target?: { '@odata.type'?: string; groupId?: string | null };
}

export interface BatchResponse {
  responses: {
    id: string;
    status: number;
    headers?: Record<string, string>;
    body?: {
      value?: { userId?: string | null; operatingSystem?: string | null }[];
      error?: { code?: string };
    };
  }[];
}

export const toUser = (user: GraphUser): DirectoryUser => ({
  id: user.id,
  displayName: user.displayName ?? '',
  department: user.department ?? null,
  country: user.usageLocation ?? null,
  officeLocation: user.officeLocation ?? null,
  userType: user.userType ?? 'Member',
  accountEnabled: user.accountEnabled ?? true,
});

export const toDevices = (
  value: { userId?: string | null; operatingSystem?: string | null }[],
): DirectoryDevice[] =>
  value.flatMap((d) => (d.userId ? [{ userId: d.userId, operatingSystem: d.operatingSystem ?? '' }] : []));

const TARGETS: Record<string, AppAssignment['target']> = {
  '#microsoft.graph.groupAssignmentTarget': 'include',
  '#microsoft.graph.exclusionGroupAssignmentTarget': 'exclude',
  '#microsoft.graph.allLicensedUsersAssignmentTarget': 'all',
  '#microsoft.graph.allDevicesAssignmentTarget': 'all',
};

export const toAssignment = (a: GraphAssignment): AppAssignment => ({
  id: a.id,
  target: TARGETS[a.target?.['@odata.type'] ?? ''] ?? 'all',
  groupId: a.target?.groupId ?? null,
  intent: a.intent,
});
