// Runbook parameter templates: `{{labels.cluster}}`, `{{annotations.summary}}`, `{{params.Version}}`.
import type { Issue } from '../errors';

export interface TemplateScope {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  params?: Record<string, string>;
}

const TOKEN = /\{\{\s*(labels|annotations|params)\.([A-Za-z0-9_.:-]+)\s*\}\}/g;

/** Fills every token; a token with no value is an issue named after `path`. */
export function renderTemplate(template: string, scope: TemplateScope, path: string, issues: Issue[]): string {
  return template.replace(TOKEN, (_m, area: 'labels' | 'annotations' | 'params', key: string) => {
    const value = scope[area]?.[key];
    if (value === undefined || value === '') {
      issues.push({ path, message: `template needs ${area}.${key}, which this alert does not have` });
      return '';
    }
    return value;
  });
}

/** Renders a parameter map into SSM's shape (every value a list of strings). */
export function renderParameters(
  params: Record<string, string | string[]>,
  scope: TemplateScope,
  pathPrefix: string,
  issues: Issue[],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(params)) {
    const values = Array.isArray(value) ? value : [value];
    out[name] = values.map((v, i) =>
      renderTemplate(v, scope, Array.isArray(value) ? `${pathPrefix}.${name}[${i}]` : `${pathPrefix}.${name}`, issues),
    );
  }
  return out;
}
