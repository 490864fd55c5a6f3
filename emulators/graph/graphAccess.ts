import { GRAPH_RESOURCE, TokenIssuer } from '../entra/tokenIssuer';
import { ServiceAccess } from '../host/routedService';
import { insufficientPrivileges, invalidToken } from './graphErrors';
import { OwnedObject } from './graphStore';

/** What a route needs: to read, or to write (which objects may be written is decided per object, below). */
export type GraphPermission = 'read' | 'write';

/** What an application permission grants on applications and service principals. */
type Grant = 'read' | 'writeAny' | 'writeOwned';

/**
 * Graph application permissions and what each grants here (permissions reference): OwnedBy reads and lists
 * everything, creates, and changes only the objects it owns.
 */
const ROLE_GRANTS: Readonly<Record<string, readonly Grant[]>> = {
  'Application.ReadWrite.All': ['read', 'writeAny'],
  'Directory.ReadWrite.All': ['read', 'writeAny'],
  'Application.ReadWrite.OwnedBy': ['read', 'writeOwned'],
  'Application.Read.All': ['read'],
  'Directory.Read.All': ['read'],
};

/** The grants that satisfy a route's permission. */
const PERMISSION_GRANTS: Readonly<Record<GraphPermission, readonly Grant[]>> = {
  read: ['read'],
  write: ['writeAny', 'writeOwned'],
};

/** Why the Entra emulator refused a token → Graph's 401 message. */
const TOKEN_MESSAGES: Readonly<Record<string, string>> = {
  'token expired': 'Access token has expired or is not yet valid.',
  'token not yet valid': 'Access token has expired or is not yet valid.',
  'not a bearer JWT': 'CompactToken parsing failed with error code: 80049217',
  'token is not valid JSON': 'CompactToken parsing failed with error code: 80049217',
};

export interface GraphCaller {
  /** Lower-case object id: what ownership is recorded with. */
  objectId: string;
  /** Seed name, else appid or object id, for the request log. */
  principal: string;
  grants: ReadonlySet<Grant>;
}

/** Validates the bearer token as Graph does and reads the caller's application permissions from its `roles`. */
export function graphAccess(issuer: TokenIssuer): ServiceAccess<GraphCaller, GraphPermission> {
  return {
    authenticate(request) {
      const header = request.headers.authorization;
      if (!header || /^\s*(Bearer\s*)?$/i.test(header)) throw invalidToken('Access token is empty.');
      const check = issuer.check(header, GRAPH_RESOURCE);
      if (!check.valid) {
        if (check.reason.startsWith('invalid audience'))
          throw invalidToken('Access token validation failure. Invalid audience.');
        throw invalidToken(TOKEN_MESSAGES[check.reason] ?? 'Access token validation failure.');
      }
      const roles = check.claims.roles ?? [];
      return {
        objectId: check.claims.oid.toLowerCase(),
        principal: check.principalName ?? check.claims.appid ?? check.claims.oid,
        grants: new Set(roles.flatMap((role) => ROLE_GRANTS[role] ?? [])),
      };
    },
    authorize(caller, permission) {
      if (!PERMISSION_GRANTS[permission].some((grant) => caller.grants.has(grant))) throw insufficientPrivileges();
    },
    principalOf: (caller) => caller.principal,
  };
}

/** Throws 403 unless the caller may change this object: any object with writeAny, its own with writeOwned. */
export function requireChangeRight(caller: GraphCaller, record: OwnedObject): void {
  if (caller.grants.has('writeAny')) return;
  if (caller.grants.has('writeOwned') && record.owners.has(caller.objectId)) return;
  throw insufficientPrivileges();
}
