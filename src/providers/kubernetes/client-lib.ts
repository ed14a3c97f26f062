/**
 * The parts of `@kubernetes/client-node` the provider uses, by name: a bundle of this module keeps
 * only them and what they need (a third of the library), where a bundle of the whole namespace
 * keeps every API group. The CLI bundles it on its own, minified (see scripts/bundle-cli.mjs), and
 * loads it through client-cached.ts, which hands on the same object.
 */
import {
  CoreV1Api,
  Exec,
  KubeConfig,
  PatchStrategy,
  PortForward,
  RbacAuthorizationV1Api,
  setHeaderOptions,
} from '@kubernetes/client-node';

export const kubeClient = {
  CoreV1Api,
  Exec,
  KubeConfig,
  PatchStrategy,
  PortForward,
  RbacAuthorizationV1Api,
  setHeaderOptions,
};
