/** Path parameters of a matched route, percent-decoded. */
export type RouteParams = Readonly<Record<string, string>>;

/** What the matcher needs of a route: its method and its path template(s). */
export interface RoutePattern {
  readonly method: string;
  /** One template, or several addressing the same operation (Graph's `/applications/{id}` and `(appId='{appId}')`). */
  readonly path: string | readonly string[];
}

/** The outcome of matching a request: the route, or why none fits. The service decides how each reads on the wire. */
export type RouteMatch<R> =
  | { readonly kind: 'found'; readonly route: R; readonly params: RouteParams }
  | { readonly kind: 'methodNotAllowed'; readonly allowed: readonly string[] }
  /** `segment` is the first (decoded) path segment no template accepts there; '' when the path stops short. */
  | { readonly kind: 'notFound'; readonly segment: string };

/** How specific a template segment is: a literal beats text with a parameter in it, which beats a bare parameter. */
const Rank = { Parameter: 0, Pattern: 1, Literal: 2 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

interface CompiledSegment {
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly rank: Rank;
}

interface CompiledTemplate<R> {
  readonly route: R;
  readonly segments: readonly CompiledSegment[];
  /** Name of an optional last parameter (`{version?}`): absent or empty reads as ''. */
  readonly optionalLast: string | undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Compiles one segment of a template: `{name}` (a whole, non-empty segment), or literal text with embedded `{name}`
 * parameters (any text, possibly empty) and `[optional text]`.
 */
function compileSegment(segment: string, flags: string): CompiledSegment {
  const whole = /^\{(\w+)\}$/.exec(segment);
  if (whole) return { regex: /^(.+)$/, names: [whole[1]!], rank: Rank.Parameter };
  const names: string[] = [];
  let source = '';
  for (const token of segment.split(/(\{\w+\}|\[[^\]]*\])/).filter(Boolean)) {
    if (token.startsWith('{')) {
      names.push(token.slice(1, -1));
      source += '(.*?)';
    } else if (token.startsWith('[')) {
      source += `(?:${escapeRegExp(token.slice(1, -1))})?`;
    } else {
      source += escapeRegExp(token);
    }
  }
  const rank = source === escapeRegExp(segment) ? Rank.Literal : Rank.Pattern;
  return { regex: new RegExp(`^${source}$`, flags), names, rank };
}

function compileTemplate<R>(route: R, template: string, flags: string): CompiledTemplate<R> {
  const parts = template.split('/').slice(1);
  const last = parts[parts.length - 1];
  const optional = last === undefined ? null : /^\{(\w+)\?\}$/.exec(last);
  const required = optional ? parts.slice(0, -1) : parts;
  return {
    route,
    segments: required.map((part) => compileSegment(part, flags)),
    optionalLast: optional ? optional[1] : undefined,
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface TemplateMatch {
  readonly params: Record<string, string>;
  readonly ranks: readonly Rank[];
}

/** Compares rank lists segment by segment: the first more specific segment wins. */
function moreSpecific(a: readonly Rank[], b: readonly Rank[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? -1) - (b[i] ?? -1);
    if (difference !== 0) return difference > 0;
  }
  return false;
}

/**
 * A service's operations, matched by method and path template in one place. A trailing slash is ignored, except that
 * an optional last parameter receives it as an empty value (Key Vault's `/secrets/{name}/` = the latest version).
 * Among templates that fit, the most specific wins (`/secrets/{name}/versions` over `/secrets/{name}/{version?}`).
 */
export class RouteTable<R extends RoutePattern> {
  private readonly templates: readonly CompiledTemplate<R>[];

  constructor(routes: readonly R[], options: { caseInsensitive?: boolean } = {}) {
    const flags = options.caseInsensitive ? 'i' : '';
    this.templates = routes.flatMap((route) =>
      (typeof route.path === 'string' ? [route.path] : route.path).map((path) => compileTemplate(route, path, flags)),
    );
  }

  match(method: string, rawPath: string): RouteMatch<R> {
    const segments = rawPath.split('/').slice(1).map(decodeSegment);
    const trimmed = segments[segments.length - 1] === '' ? segments.slice(0, -1) : segments;
    let found: { route: R; match: TemplateMatch } | undefined;
    const allowed = new Set<string>();
    let depth = 0;
    for (const template of this.templates) {
      const result = this.matchTemplate(template, segments, trimmed);
      if (typeof result === 'number') {
        depth = Math.max(depth, result);
        continue;
      }
      allowed.add(template.route.method);
      if (template.route.method !== method) continue;
      if (!found || moreSpecific(result.ranks, found.match.ranks)) found = { route: template.route, match: result };
    }
    if (found) return { kind: 'found', route: found.route, params: found.match.params };
    if (allowed.size > 0) return { kind: 'methodNotAllowed', allowed: [...allowed] };
    return { kind: 'notFound', segment: trimmed[depth] ?? '' };
  }

  /** The parameters, or how many leading segments fit (to name the first unknown one). */
  private matchTemplate(
    template: CompiledTemplate<R>,
    segments: readonly string[],
    trimmed: readonly string[],
  ): TemplateMatch | number {
    const count = template.segments.length;
    let input = trimmed;
    let optionalValue = '';
    if (template.optionalLast !== undefined && segments.length === count + 1) {
      input = segments.slice(0, count);
      optionalValue = segments[count]!;
    }
    const params: Record<string, string> = {};
    for (let i = 0; i < Math.min(count, input.length); i += 1) {
      const segment = template.segments[i]!;
      const match = segment.regex.exec(input[i]!);
      if (!match) return i;
      segment.names.forEach((name, n) => (params[name] = match[n + 1]!));
    }
    if (input.length !== count) {
      // An optional last parameter accepts one more segment: the first unknown one is after it.
      const reach = template.optionalLast !== undefined && input.length > count ? count + 1 : count;
      return Math.min(reach, input.length);
    }
    if (template.optionalLast !== undefined) params[template.optionalLast] = optionalValue;
    const ranks = template.segments.map((s) => s.rank);
    return { params, ranks: template.optionalLast === undefined ? ranks : [...ranks, Rank.Parameter] };
  }
}
