#!/usr/bin/env python3
# Recall check for multiple-implementations (docs/ssot-precision.md): every production class of the given service
# folders that keeps a database driver client on self, found with CPython's ast (independent of comply), must be an
# owner in `comply concepts --json`. Usage: check-owners.py TREE CONCEPTS.json SERVICE_FOLDER...
import ast, json, os, sys, re
root=sys.argv[1]; cj=json.load(open(sys.argv[2]))
owners={(c['path'],c['name']) for c in cj['concepts'] if c['concept']=='database-manager' and c['role'].startswith('owner')}
listed={(c['path'],c['name']):c['role'] for c in cj['concepts'] if c['concept']=='database-manager'}
DRV=re.compile(r'(^|\.)(create_engine|create_async_engine|create_pool|Redis|StrictRedis|from_url|ConnectionPool|get_client|get_async_client|MongoClient|AsyncIOMotorClient)$|^(asyncpg|psycopg2|psycopg|aiosqlite|sqlite3|pymysql|aiomysql)\.connect$|^clickhouse_driver\.Client$')
def qual(node, imports):
    parts=[]
    while isinstance(node, ast.Attribute): parts.insert(0,node.attr); node=node.value
    if isinstance(node, ast.Name):
        base=imports.get(node.id)
        if base is None: return None
        return '.'.join([base]+parts)
    return None
DBMOD=re.compile(r'^(sqlalchemy|asyncpg|psycopg2?|redis|aioredis|valkey|clickhouse_connect|clickhouse_driver|pymongo|motor|aiosqlite|sqlite3|pymysql|aiomysql|peewee|playhouse)\b')
missing=[];found=0;total=0
for svc in sys.argv[3:]:
  for dp,dn,fn in os.walk(os.path.join(root,svc)):
    dn[:]=[d for d in dn if d not in ('tests','test','__pycache__','node_modules')]
    for f in fn:
      if not f.endswith('.py') or f.startswith('test_') or f=='conftest.py': continue
      p=os.path.join(dp,f); rel=os.path.relpath(p,root)
      try: tree=ast.parse(open(p,encoding='utf-8',errors='replace').read())
      except Exception: continue
      imports={}
      for n in ast.walk(tree):
        if isinstance(n,ast.Import):
          for a in n.names: imports[(a.asname or a.name).split('.')[0]]= a.name if a.asname else a.name.split('.')[0]
        elif isinstance(n,ast.ImportFrom) and n.module and n.level==0:
          for a in n.names: imports[a.asname or a.name]=n.module+'.'+a.name
      for cls in tree.body:
        if not isinstance(cls,ast.ClassDef): continue
        keeps=[]
        for n in ast.walk(cls):
          if isinstance(n,(ast.Assign,ast.AnnAssign)) and isinstance(n.value,(ast.Call,ast.Await)):
            v=n.value.value if isinstance(n.value,ast.Await) else n.value
            if not isinstance(v,ast.Call): continue
            tg=n.targets if isinstance(n,ast.Assign) else [n.target]
            if not any(isinstance(t,ast.Attribute) and isinstance(t.value,ast.Name) and t.value.id=='self' for t in tg): continue
            q=qual(v.func,imports)
            if q and DBMOD.match(q) and DRV.search(q): keeps.append(q)
        if keeps:
          total+=1
          if (rel,cls.name) in owners: found+=1
          else: missing.append((rel,cls.name,cls.lineno,keeps,listed.get((rel,cls.name))))
print('classes keeping a driver client on self:',total,'listed as owners:',found)
for m in missing: print('MISS',m)
# owners that keep nothing by this definition
