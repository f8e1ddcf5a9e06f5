import { describe, expect, it } from 'vitest';
import type { Issue } from '../../../functions/core/errors';
import { renderParameters, renderTemplate } from '../../../functions/core/runbooks/template';

const scope = {
  labels: { cluster: 'genai', service: 'genai-inference', empty: '' },
  annotations: { summary: 'Task stopped' },
  params: { Version: '42', Price: '$& $1' },
};

describe('renderTemplate', () => {
  it.each([
    ['{{labels.cluster}}', 'genai'],
    ['{{ labels.cluster }}', 'genai'],
    ['svc/{{labels.cluster}}/{{labels.service}}', 'svc/genai/genai-inference'],
    ['{{annotations.summary}}', 'Task stopped'],
    ['v{{params.Version}}', 'v42'],
    ['{{params.Price}}', '$& $1'],
    ['no template', 'no template'],
    ['{{other.thing}}', '{{other.thing}}'],
  ])('%s → %s', (template, expected) => {
    // Prepare
    const issues: Issue[] = [];

    // Act
    const out = renderTemplate(template, scope, 'p', issues);

    // Assess
    expect(out).toBe(expected);
    expect(issues).toEqual([]);
  });

  it.each([
    ['a missing label', '{{labels.task}}', 'labels.task'],
    ['an empty label', '{{labels.empty}}', 'labels.empty'],
    ['a missing area', '{{params.Version}}', 'params.Version'],
  ])('reports %s as an issue at the given path', (_name, template, token) => {
    const issues: Issue[] = [];

    renderTemplate(template, { labels: scope.labels }, 'policies[1].parameters.Task', issues);

    expect(issues).toEqual([
      { path: 'policies[1].parameters.Task', message: `template needs ${token}, which this alert does not have` },
    ]);
  });
});

describe('renderParameters', () => {
  it("renders into SSM's shape, every value a list, naming list items by index", () => {
    const issues: Issue[] = [];

    const out = renderParameters(
      { ClusterName: '{{labels.cluster}}', Commands: ['echo {{labels.service}}', 'echo {{labels.task}}'] },
      scope,
      'runbooks[0].parameters',
      issues,
    );

    expect(out).toEqual({ ClusterName: ['genai'], Commands: ['echo genai-inference', 'echo '] });
    expect(issues.map((i) => i.path)).toEqual(['runbooks[0].parameters.Commands[1]']);
  });
});
