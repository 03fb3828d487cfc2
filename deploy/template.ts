/** The CloudFormation template serverless compiles, as far as this folder reads and writes it. */

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

/** The logical ids of the resources of one type. */
export const idsOfType = (template: Template, type: string): string[] =>
  Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id]) => id);

/** The one resource of `id`, which serverless must have compiled. */
export function required(template: Template, id: string, why: string): Resource {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`the compiled template has no ${id} (${why})`);
  return resource;
}

export function addResources(template: Template, resources: Record<string, Resource>): void {
  for (const [id, resource] of Object.entries(resources)) {
    if (template.Resources[id]) throw new Error(`${id} is already in the template`);
    template.Resources[id] = resource;
  }
}

export function dependOn(resource: Resource, ids: readonly string[]): void {
  const current =
    resource.DependsOn === undefined
      ? []
      : Array.isArray(resource.DependsOn)
        ? resource.DependsOn
        : [resource.DependsOn];
  resource.DependsOn = [...current, ...ids.filter((id) => !current.includes(id))];
}
