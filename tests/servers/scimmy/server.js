// SCIMMY as it comes, behind scimmy-routers on express: the default User and Group resources, with
// the EnterpriseUser extension declared. Records live in memory and are created over the SCIM API
// itself (POST /Users, /Groups). Each handler filters with SCIMMY's own Filter over the resources as
// SCIMMY presents them (extension included), as a deployment would; SCIMMY's case-sensitive `eq` stays.
//
//   node server.js PORT      (0: any free port) listens on 127.0.0.1 only and prints
//   "listening on http://127.0.0.1:PORT/scim" once it answers.
import {randomUUID} from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";

const users = new Map();
const groups = new Map();

// A user as SCIMMY presents it, with the groups it is a member of (User.groups is read-only: the
// store fills it, as a deployment's would).
function shownUser(record) {
    const memberOf = [...groups.values()]
        .filter(g => (g.members ?? []).some(m => m.value === record.id))
        .map(g => ({value: g.id, display: g.displayName, type: "direct"}));
    return JSON.parse(JSON.stringify(new SCIMMY.Schemas.User({...record, groups: memberOf}, "out")));
}

function shownGroup(record) {
    return JSON.parse(JSON.stringify(new SCIMMY.Schemas.Group(record, "out")));
}

function egress(store, show, kind) {
    return async (resource) => {
        const shown = [...store.values()].map(show);
        if (resource.id) {
            const one = shown.find(r => r.id === resource.id);
            if (!one) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
            return one;
        }
        return resource.filter ? resource.filter.match(shown) : shown;
    };
}

function ingress(store, kind) {
    return async (resource, instance) => {
        const id = resource.id ?? randomUUID();
        if (resource.id && !store.has(id)) throw new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);
        const now = new Date().toISOString();
        const record = {...JSON.parse(JSON.stringify(instance)), id,
                        meta: {resourceType: kind, created: store.get(id)?.meta?.created ?? now, lastModified: now}};
        store.set(id, record);
        return record;
    };
}

function degress(store) {
    return async (resource) => {
        if (!store.delete(resource.id)) throw new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);
    };
}

SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false))
    .ingress(ingress(users, "User")).egress(egress(users, shownUser, "User")).degress(degress(users));
SCIMMY.Resources.declare(SCIMMY.Resources.Group)
    .ingress(ingress(groups, "Group")).egress(egress(groups, shownGroup, "Group")).degress(degress(groups));

const app = express();
app.use("/scim", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://example.com/help/scim-auth.html",
    handler: (request) => {
        if (!request.header("Authorization")?.startsWith("Bearer ")) throw new Error("Authorization not detected!");
        return "postisupport-tests";
    },
}));

const server = app.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}/scim`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
